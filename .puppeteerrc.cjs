/**
 * Puppeteer must never download its own browser: that download fails on our machines and in CI.
 * The service drives the system Chromium (CHROME_PATH or auto-detected).
 * @type {import("puppeteer").Configuration}
 */
module.exports = { skipDownload: true };
