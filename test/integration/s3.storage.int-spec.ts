import { startS3rver, s3StorageSettings, type TestS3 } from '../support/s3rver';
import { storageContract } from '../support/storage-contract';
import { StorageUnavailable } from '../../src/common/domain.errors';
import { S3ReportStorage } from '../../src/storage/s3.storage';

describe(S3ReportStorage.name, () => {
  let s3: TestS3;
  let sut: S3ReportStorage;

  beforeAll(async () => {
    s3 = await startS3rver();
    sut = new S3ReportStorage(s3StorageSettings(s3));
  });

  afterAll(async () => {
    sut.close();
    await s3.stop();
  });

  describe('contract', () => {
    storageContract(() => sut);
  });

  describe('key prefix', () => {
    it('should store under the prefix and hide it from callers', async () => {
      const prefixed = new S3ReportStorage(s3StorageSettings(s3, 'tenant-a/'));
      const plain = sut;
      try {
        await prefixed.write('reports/P/Test_1/overall.pdf', Buffer.from('%PDF-p'), {
          contentType: 'application/pdf',
        });
        expect(await prefixed.list('reports/P/')).toEqual(['reports/P/Test_1/overall.pdf']);
        expect(await plain.stat('tenant-a/reports/P/Test_1/overall.pdf')).not.toBeNull();
        expect(await plain.stat('reports/P/Test_1/overall.pdf')).toBeNull();
      } finally {
        prefixed.close();
      }
    });
  });

  describe('unreachable endpoint', () => {
    // Runs last: it stops the server.
    it('should throw StorageUnavailable within 5 s once the endpoint is stopped', async () => {
      await sut.write('reports/D/Test_1/overall.pdf', Buffer.from('%PDF'), {
        contentType: 'application/pdf',
      });
      await s3.stop();
      const started = Date.now();
      await expect(sut.stat('reports/D/Test_1/overall.pdf')).rejects.toBeInstanceOf(StorageUnavailable);
      await expect(sut.ping()).rejects.toBeInstanceOf(StorageUnavailable);
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });
});
