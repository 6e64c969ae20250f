import puppeteer, { type Browser } from 'puppeteer-core';

/** The plain Chromium the baseline scripts drive: system Chromium, headless, as root without the sandbox. */
export function launchPlainChromium(): Promise<Browser> {
  return puppeteer.launch({
    // Bench helper processes are tools, not the service: they take the browser path as ops would pass it.
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    headless: true,
    // As the service does: the protocol over a pipe, so the limit pays no WebSocket framing either.
    pipe: true,
    args: ['--disable-gpu', '--disable-dev-shm-usage', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
  });
}
