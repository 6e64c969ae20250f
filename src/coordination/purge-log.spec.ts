import { LocalPurgeLog, scopesOf } from './purge-log';

describe(LocalPurgeLog.name, () => {
  describe('purgedAfter', () => {
    it('should see a purge of the key or of any folder holding it after the epoch, and nothing else', async () => {
      const sut = new LocalPurgeLog();
      const started = await sut.epoch();
      expect(await sut.purgedAfter('reports/C1/Test_5/students/S1.pdf', started)).toBe(false);
      await sut.record('reports/C2/');
      expect(await sut.purgedAfter('reports/C1/Test_5/students/S1.pdf', started)).toBe(false);
      await sut.record('reports/C1/Test_5/');
      expect(await sut.purgedAfter('reports/C1/Test_5/students/S1.pdf', started)).toBe(true);
      expect(await sut.purgedAfter('reports/C1/Test_5/students/S1.pdf', await sut.epoch())).toBe(false);
    });
  });

  describe('scopesOf', () => {
    it('should list each folder and the key', () => {
      expect(scopesOf('reports/C/T/students/S.pdf')).toEqual([
        'reports/',
        'reports/C/',
        'reports/C/T/',
        'reports/C/T/students/',
        'reports/C/T/students/S.pdf',
      ]);
    });
  });
});
