import { randomBytes } from 'node:crypto';
import { InvalidInput, StorageObjectNotFound } from '../../src/common/domain.errors';
import type { ReportStorage } from '../../src/storage';
import { drain } from './binary';

/**
 * The behaviour every storage driver must share, run against a real backend.
 * `storage()` returns the driver under test, set up by the caller's beforeAll.
 */
export function storageContract(storage: () => ReportStorage): void {
  const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(64 * 1024)]);

  it('should round-trip write, stat and read byte-exact', async () => {
    const key = 'reports/C1/Test_1/students/S1.pdf';
    const written = await storage().write(key, pdf, { contentType: 'application/pdf' });
    const stat = await storage().stat(key);
    expect(stat).not.toBeNull();
    expect(stat?.size).toBe(pdf.length);
    expect(stat?.etag).toMatch(/^".+"$/);
    expect(written.size).toBe(pdf.length);
    expect(Math.abs(Date.now() - (stat?.lastModified.getTime() ?? 0))).toBeLessThan(60_000);
    expect(Buffer.compare(await drain(await storage().read(key)), pdf)).toBe(0);
  });

  it('should open an object with its facts and bytes in one call, or answer null', async () => {
    const key = 'reports/C1/Test_1/students/opened.pdf';
    await storage().write(key, pdf, { contentType: 'application/pdf' });
    const opened = await storage().open(key);
    expect(opened?.object.size).toBe(pdf.length);
    expect(opened?.object.etag).toBe((await storage().stat(key))?.etag);
    expect(Buffer.compare(await drain(opened!.body), pdf)).toBe(0);
    await expect(storage().open('reports/none/Test_1/opened.pdf')).resolves.toBeNull();
  });

  it('should overwrite an object whole', async () => {
    const key = 'reports/C1/Test_1/overall.pdf';
    await storage().write(key, Buffer.from('first version, longer than the second'), {
      contentType: 'application/pdf',
    });
    await storage().write(key, Buffer.from('second'), { contentType: 'application/pdf' });
    expect((await drain(await storage().read(key))).toString()).toBe('second');
  });

  it('should report a missing object as null on stat and StorageObjectNotFound on read', async () => {
    await expect(storage().stat('reports/none/Test_1/overall.pdf')).resolves.toBeNull();
    await expect(storage().read('reports/none/Test_1/overall.pdf')).rejects.toBeInstanceOf(
      StorageObjectNotFound,
    );
  });

  it('should delete an object, and deleting a missing one should succeed', async () => {
    const key = 'reports/C2/Test_1/students/gone.pdf';
    await storage().write(key, pdf, { contentType: 'application/pdf' });
    await storage().delete(key);
    await expect(storage().stat(key)).resolves.toBeNull();
    await expect(storage().delete(key)).resolves.toBeUndefined();
  });

  it('should list keys under a prefix and only those', async () => {
    await storage().write('reports/L1/Test_1/students/a.pdf', pdf, { contentType: 'application/pdf' });
    await storage().write('reports/L1/Test_2/students/b.pdf', pdf, { contentType: 'application/pdf' });
    await storage().write('reports/L2/Test_1/students/c.pdf', pdf, { contentType: 'application/pdf' });
    expect((await storage().list('reports/L1/')).sort()).toEqual([
      'reports/L1/Test_1/students/a.pdf',
      'reports/L1/Test_2/students/b.pdf',
    ]);
    expect(await storage().list('reports/none/')).toEqual([]);
  });

  it('should keep the metadata written with an object, list only the object, and delete both', async () => {
    const key = 'reports/M1/Test_1/students/meta.pdf';
    const metadata = { 'report-origin': 'https://school.example.com', 'report-kind': 'student' };
    const written = await storage().write(key, pdf, { contentType: 'application/pdf', metadata });
    expect(written.metadata).toEqual(metadata);
    expect((await storage().stat(key))?.metadata).toEqual(metadata);
    const opened = await storage().open(key);
    opened?.body.destroy();
    expect(opened?.object.metadata).toEqual(metadata);
    expect(await storage().list('reports/M1/')).toEqual([key]);
    await storage().write(key, pdf, { contentType: 'application/pdf' });
    expect((await storage().stat(key))?.metadata).toEqual({});
    await storage().delete(key);
    expect(await storage().list('reports/M1/')).toEqual([]);
  });

  it('should stream a 5 MB object', async () => {
    const big = randomBytes(5 * 1024 * 1024);
    const key = 'reports/C3/Test_1/students/big.pdf';
    await storage().write(key, big, { contentType: 'application/pdf' });
    const stream = await storage().read(key);
    let chunks = 0;
    const parts: Buffer[] = [];
    for await (const chunk of stream) {
      chunks += 1;
      parts.push(Buffer.from(chunk as Uint8Array));
    }
    expect(chunks).toBeGreaterThan(1);
    expect(Buffer.compare(Buffer.concat(parts), big)).toBe(0);
  });

  it.each(['/etc/passwd', '../x.pdf', 'reports/../../x.pdf', 'reports//x.pdf', 'reports/a\0b.pdf', ''])(
    'should refuse the unsafe key %j',
    async (key) => {
      await expect(storage().stat(key)).rejects.toBeInstanceOf(InvalidInput);
      await expect(storage().write(key, pdf, { contentType: 'application/pdf' })).rejects.toBeInstanceOf(
        InvalidInput,
      );
    },
  );

  it('should answer ping while reachable', async () => {
    await expect(storage().ping()).resolves.toBeUndefined();
  });
}
