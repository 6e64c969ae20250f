import type { Page } from 'puppeteer-core';

/**
 * Opens a report page, waits for its ready flag (an error flag fails), and prints it with the service's
 * default print settings (a tagged, accessible PDF with an outline): the work every limit of the render
 * benches does per report.
 */
export async function printWhenReady(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(
    () => {
      const flags = window as unknown as { __PDF_READY__?: unknown; __PDF_ERROR__?: unknown };
      return flags.__PDF_READY__ === true || Boolean(flags.__PDF_ERROR__);
    },
    { polling: 25 },
  );
  const error = await page.evaluate(() => {
    const flag = (window as unknown as { __PDF_ERROR__?: unknown }).__PDF_ERROR__;
    return typeof flag === 'string' ? flag : flag ? JSON.stringify(flag) : '';
  });
  if (error) throw new Error(`${url}: ${error}`);
  await page.pdf({
    format: 'A4',
    preferCSSPageSize: true,
    printBackground: true,
    tagged: true,
    outline: true,
    margin: { top: '20px', right: '20px', bottom: '20px', left: '20px' },
  });
}
