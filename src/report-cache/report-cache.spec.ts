import { Readable } from 'node:stream';
import { StorageObjectNotFound, StorageUnavailable } from '../common/domain.errors';
import { strictFake } from '../common/strict-fake.testing';
import { KeyLocks, PurgeLog, type KeyLease } from '../coordination';
import type { ReportKey } from '../report';
import type { ReportStorage, StoredObject } from '../storage';
import { ReportCache } from './report-cache';
import type { ReportCacheMetrics } from './report-cache.metrics';

const KEY = 'reports/C1/Test_5/students/S1.pdf' as ReportKey;
const ORIGIN = 'https://school.example.com';
const PDF = Buffer.from('%PDF-1.7 fake');
const STORED: StoredObject = { size: 42, etag: '"stored"', lastModified: new Date(0), metadata: {} };
const free = strictFake<KeyLocks>('locks', {
  tryAcquire: () => Promise.resolve(strictFake<KeyLease>('lease', { release: () => Promise.resolve() })),
  held: () => Promise.resolve([]),
});
const neverPurged = strictFake<PurgeLog>('purges', {
  epoch: () => Promise.resolve(0),
  purgedAfter: () => Promise.resolve(false),
});

function setup(storage: Partial<ReportStorage>, options: { locks?: KeyLocks; purges?: PurgeLog } = {}) {
  const failures: string[] = [];
  const metrics = strictFake<ReportCacheMetrics>('metrics', {
    storageFailed: (operation) => void failures.push(operation),
  });
  const sut = new ReportCache(
    strictFake<ReportStorage>('storage', { driver: 'fs', ...storage }),
    options.locks ?? free,
    options.purges ?? neverPurged,
    metrics,
    1000,
    ORIGIN,
  );
  return { sut, failures };
}

const render = () => jest.fn((_abandoned: AbortSignal) => Promise.resolve(new Uint8Array(PDF)));
const writing = () => jest.fn(() => Promise.resolve({ ...STORED, etag: '"written"' }));

describe(ReportCache.name, () => {
  describe('lookup', () => {
    it('should open the object for its bytes in one call', async () => {
      const body = Readable.from([PDF]);
      const { sut } = setup({ open: () => Promise.resolve({ object: STORED, body }) });
      await expect(sut.lookup(KEY, 'bytes')).resolves.toEqual({ ...STORED, origin: ORIGIN, body });
    });

    it('should ask only for the facts when told so', async () => {
      const { sut } = setup({ stat: () => Promise.resolve(STORED) });
      await expect(sut.lookup(KEY, 'facts')).resolves.toEqual({ ...STORED, origin: ORIGIN, body: undefined });
    });

    it('should count storage that cannot answer as not stored, and count the failure', async () => {
      const { sut, failures } = setup({ open: () => Promise.reject(new StorageUnavailable('read')) });
      await expect(sut.lookup(KEY, 'bytes')).resolves.toBeNull();
      expect(failures).toEqual(['read']);
    });

    it('should let a programming error through instead of calling it a miss', async () => {
      const { sut } = setup({ stat: () => Promise.reject(new TypeError('bug')) });
      await expect(sut.lookup(KEY, 'facts')).rejects.toBeInstanceOf(TypeError);
    });
  });

  describe('read', () => {
    it('should answer null, uncounted, for an object deleted since the lookup', async () => {
      const { sut, failures } = setup({ read: () => Promise.reject(new StorageObjectNotFound(KEY)) });
      await expect(sut.read(KEY)).resolves.toBeNull();
      expect(failures).toEqual([]);
    });
  });

  describe('produce', () => {
    it('should render, store and answer stored with the written etag', async () => {
      const write = writing();
      const { sut } = setup({ write });
      await expect(
        sut.produce(KEY, ORIGIN, { store: true }, render(), { 'report-kind': 'student' }),
      ).resolves.toEqual({
        bytes: new Uint8Array(PDF),
        etag: '"written"',
        outcome: 'stored',
      });
      expect(write).toHaveBeenCalledWith(KEY, new Uint8Array(PDF), {
        contentType: 'application/pdf',
        metadata: { 'report-kind': 'student', 'report-origin': ORIGIN },
      });
    });

    it('should share one render between concurrent callers of a key, stored when any may', async () => {
      let finish!: (bytes: Uint8Array) => void;
      const work = jest.fn(() => new Promise<Uint8Array>((resolve) => (finish = resolve)));
      const write = writing();
      const { sut } = setup({ write });
      const first = sut.produce(KEY, ORIGIN, { store: false, gone: new AbortController().signal }, work, {});
      const second = sut.produce(KEY, ORIGIN, { store: true }, work, {});
      await new Promise((resolve) => setImmediate(resolve));
      finish(new Uint8Array(PDF));
      await expect(first).resolves.toMatchObject({ outcome: 'stored' });
      await expect(second).resolves.toMatchObject({ outcome: 'stored' });
      expect(work).toHaveBeenCalledTimes(1);
      expect(write).toHaveBeenCalledTimes(1);
    });

    it('should answer not_stored, with an etag of the bytes, when nobody may store', async () => {
      const { sut } = setup({});
      const produced = await sut.produce(KEY, ORIGIN, { store: false }, render(), {});
      expect(produced.outcome).toBe('not_stored');
      expect(produced.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    });

    it('should answer store_failed and count it when the write fails', async () => {
      const { sut, failures } = setup({ write: () => Promise.reject(new StorageUnavailable('write')) });
      await expect(sut.produce(KEY, ORIGIN, { store: true }, render(), {})).resolves.toMatchObject({
        outcome: 'store_failed',
      });
      expect(failures).toEqual(['write']);
    });

    it('should not write a report purged while it rendered', async () => {
      const purges = strictFake<PurgeLog>('purges', {
        epoch: () => Promise.resolve(7),
        purgedAfter: (_key, epoch) => Promise.resolve(epoch === 7),
      });
      const { sut } = setup({}, { purges });
      await expect(sut.produce(KEY, ORIGIN, { store: true }, render(), {})).resolves.toMatchObject({
        outcome: 'purged',
      });
    });

    it('should not write when a purge ran after the demand was made, even before the render started', async () => {
      // The purge was epoch 5: after the batch (epoch 3), before this render began (epoch 5 read at its start).
      const purges = strictFake<PurgeLog>('purges', {
        epoch: () => Promise.resolve(5),
        purgedAfter: (_key, epoch) => Promise.resolve(epoch < 5),
      });
      const { sut } = setup({}, { purges });
      await expect(sut.produce(KEY, ORIGIN, { store: true, since: 3 }, render(), {})).resolves.toMatchObject({
        outcome: 'purged',
      });
      await expect(sut.produce(KEY, ORIGIN, { store: true, since: 5 }, render(), {})).rejects.toThrow(
        'unexpected use of storage.write',
      );
    });

    it('should take back a write that raced a purge', async () => {
      const purgedAfter = jest.fn().mockResolvedValueOnce(false).mockResolvedValueOnce(true);
      const purges = strictFake<PurgeLog>('purges', { epoch: () => Promise.resolve(0), purgedAfter });
      const remove = jest.fn(() => Promise.resolve());
      const { sut } = setup({ write: writing(), delete: remove }, { purges });
      await expect(sut.produce(KEY, ORIGIN, { store: true }, render(), {})).resolves.toMatchObject({
        outcome: 'purged',
      });
      expect(remove).toHaveBeenCalledWith(KEY);
    });

    it('should answer what another replica stored instead of rendering the key again', async () => {
      const held = strictFake<KeyLocks>('locks', {
        tryAcquire: () => Promise.resolve(null),
        waitForRelease: () => Promise.resolve(true),
      });
      const work = render();
      const { sut } = setup(
        { open: () => Promise.resolve({ object: STORED, body: Readable.from([PDF]) }) },
        { locks: held },
      );
      await expect(sut.produce(KEY, ORIGIN, { store: true }, work, {})).resolves.toEqual({
        bytes: new Uint8Array(PDF),
        etag: '"stored"',
        outcome: 'stored',
      });
      expect(work).not.toHaveBeenCalled();
    });

    it('should render itself when the other replica stored nothing', async () => {
      const release = jest.fn(() => Promise.resolve());
      const tryAcquire = jest.fn().mockResolvedValueOnce(null).mockResolvedValue({ release });
      const held = strictFake<KeyLocks>('locks', { tryAcquire, waitForRelease: () => Promise.resolve(true) });
      const work = render();
      const { sut } = setup({ open: () => Promise.resolve(null), write: writing() }, { locks: held });
      await expect(sut.produce(KEY, ORIGIN, { store: true }, work, {})).resolves.toMatchObject({
        outcome: 'stored',
      });
      expect(work).toHaveBeenCalledTimes(1);
      // Its lock free again, it took it for its own render.
      expect(tryAcquire).toHaveBeenCalledTimes(2);
      expect(release).toHaveBeenCalledTimes(1);
    });
  });

  describe('purge', () => {
    it('should record the purge before deleting what is stored under a prefix', async () => {
      const order: string[] = [];
      const purges = strictFake<PurgeLog>('purges', {
        record: (scope) => Promise.resolve(void order.push(`record ${scope}`)),
      });
      const { sut } = setup(
        {
          list: (prefix) => {
            order.push(`list ${prefix}`);
            return Promise.resolve([KEY]);
          },
          deleteMany: (keys) => Promise.resolve(keys.length),
        },
        { purges },
      );
      await expect(sut.purge('reports/C1/')).resolves.toBe(1);
      expect(order).toEqual(['record reports/C1/', 'list reports/C1/']);
    });

    it('should delete one key only when it is stored', async () => {
      const deleteMany = jest.fn((keys: readonly string[]) => Promise.resolve(keys.length));
      const purges = strictFake<PurgeLog>('purges', { record: () => Promise.resolve() });
      const { sut } = setup({ stat: () => Promise.resolve(null), deleteMany }, { purges });
      await expect(sut.purge(KEY)).resolves.toBe(0);
      expect(deleteMany).toHaveBeenCalledWith([]);
    });
  });

  describe('renderingUnder', () => {
    it('should name keys rendering in this process and those other replicas hold, under the prefix only', async () => {
      let finish!: (bytes: Uint8Array) => void;
      const locks = strictFake<KeyLocks>('locks', {
        tryAcquire: free.tryAcquire,
        held: () => Promise.resolve(['reports/C1/Test_5/students/S2.pdf']),
      });
      const { sut } = setup({ write: writing() }, { locks });
      const produced = sut.produce(
        KEY,
        ORIGIN,
        { store: true },
        () => new Promise((resolve) => (finish = resolve)),
        {},
      );
      await new Promise((resolve) => setImmediate(resolve));
      await expect(sut.renderingUnder('reports/C1/Test_5/')).resolves.toEqual(
        new Set([KEY, 'reports/C1/Test_5/students/S2.pdf']),
      );
      await expect(sut.renderingUnder('reports/C2/')).resolves.toEqual(new Set());
      await expect(sut.isRendering(KEY)).resolves.toBe(true);
      finish(new Uint8Array(PDF));
      await produced;
    });
  });
});
