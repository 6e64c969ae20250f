import { TooManyRenders } from '../common/domain.errors';
import { ViewerRenderLimit } from './viewer-render-limit';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe(ViewerRenderLimit.name, () => {
  describe('run', () => {
    it('should refuse a viewer past the cap with TooManyRenders, others unaffected', async () => {
      const sut = new ViewerRenderLimit(2);
      const hold = gate();
      const running = [sut.run('student:S1', () => hold.opened), sut.run('student:S1', () => hold.opened)];
      const refused = sut.run('student:S1', () => Promise.resolve());
      await expect(refused).rejects.toBeInstanceOf(TooManyRenders);
      await expect(refused).rejects.toMatchObject({ retryAfterSeconds: 5 });
      await expect(sut.run('student:S2', () => Promise.resolve('ok'))).resolves.toBe('ok');
      hold.open();
      await Promise.all(running);
      await expect(sut.run('student:S1', () => Promise.resolve('again'))).resolves.toBe('again');
    });

    it('should free the place when a render fails', async () => {
      const sut = new ViewerRenderLimit(1);
      await expect(sut.run('v', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      await expect(sut.run('v', () => Promise.resolve(1))).resolves.toBe(1);
    });

    it('should not limit at all without a cap', async () => {
      const sut = new ViewerRenderLimit(undefined);
      const hold = gate();
      const many = Array.from({ length: 50 }, () => sut.run('v', () => hold.opened));
      hold.open();
      await expect(Promise.all(many)).resolves.toHaveLength(50);
    });
  });
});
