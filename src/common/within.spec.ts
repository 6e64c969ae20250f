import { within } from './within';

describe('within', () => {
  it('should answer the work when it settles in time', async () => {
    await expect(within(Promise.resolve('done'), 1000, () => 'late')).resolves.toBe('done');
    await expect(within(Promise.reject(new Error('boom')), 1000, () => 'late')).rejects.toThrow('boom');
  });

  it('should answer onTimeout, or its throw, once the time is up', async () => {
    const never = new Promise<string>(() => undefined);
    await expect(within(never, 20, () => 'late')).resolves.toBe('late');
    await expect(
      within(never, 20, () => {
        throw new Error('too slow');
      }),
    ).rejects.toThrow('too slow');
  });
});
