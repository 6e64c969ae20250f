import { SetUpGate } from './set-up-gate';

describe('SetUpGate', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  async function settled(promise: Promise<void>): Promise<boolean> {
    let done = false;
    void promise.then(() => (done = true));
    await Promise.resolve();
    await Promise.resolve();
    return done;
  }

  it('should be idle at once when no render is setting up', async () => {
    expect(await settled(new SetUpGate().idle(250))).toBe(true);
  });

  it('should wait for the last render setting up, not the first', async () => {
    const gate = new SetUpGate();
    const first = gate.enter();
    const second = gate.enter();
    const idle = gate.idle(250);
    first();
    expect(await settled(idle)).toBe(false);
    second();
    expect(await settled(idle)).toBe(true);
  });

  it('should count a render once however often it says it is done', async () => {
    const gate = new SetUpGate();
    const first = gate.enter();
    gate.enter();
    first();
    first();
    expect(await settled(gate.idle(250))).toBe(false);
  });

  it('should stop waiting after the longest wait', async () => {
    const gate = new SetUpGate();
    gate.enter();
    const idle = gate.idle(250);
    jest.advanceTimersByTime(249);
    expect(await settled(idle)).toBe(false);
    jest.advanceTimersByTime(1);
    expect(await settled(idle)).toBe(true);
  });
});
