// The service's neighbours for the Django integration tests: s3rver and the sample report frontend (the
// service's own test fixture). Prints one JSON line with their addresses; ends on SIGTERM.
'use strict';
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '../../..');
const S3rver = require(join(root, 'node_modules/s3rver'));
const { startReportFrontend } = require(join(root, 'dist-tools/test/fixtures/report-frontend.js'));

async function main() {
  const directory = mkdtempSync(join(tmpdir(), 'django-s3rver-'));
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: 'reports' }],
  });
  const { port } = await s3.run();
  const frontend = await startReportFrontend({ jwtSecret: process.argv[2] });
  console.log(
    JSON.stringify({
      s3Endpoint: `http://127.0.0.1:${port}`,
      bucket: 'reports',
      frontendOrigin: frontend.origin,
    }),
  );
  process.once('SIGTERM', async () => {
    s3.httpServer.closeAllConnections();
    await s3.close();
    await frontend.close();
    rmSync(directory, { recursive: true, force: true });
    process.exit(0);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
