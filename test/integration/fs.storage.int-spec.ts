import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storageContract } from '../support/storage-contract';
import { FsReportStorage } from '../../src/storage/fs.storage';

describe(FsReportStorage.name, () => {
  let dir: string;
  let sut: FsReportStorage;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fs-storage-'));
    sut = new FsReportStorage({ dir });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('contract', () => {
    storageContract(() => sut);
  });

  describe('write', () => {
    it('should leave no temp file behind', async () => {
      await sut.write('reports/T/Test_1/overall.pdf', Buffer.from('%PDF'), {
        contentType: 'application/pdf',
      });
      // The PDF and its metadata sidecar, nothing half-written.
      expect((await readdir(join(dir, 'reports/T/Test_1'))).sort()).toEqual([
        'overall.pdf',
        'overall.pdf.meta.json',
      ]);
    });
  });
});
