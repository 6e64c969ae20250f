/** s3rver in its own process, so the benchmark's load generator does not share its event loop. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: mkdtempSync(join(tmpdir(), 'bench-s3rver-')),
  configureBuckets: [{ name: 'bench' }],
});
void server.run().then(({ port }) => console.log(JSON.stringify({ port })));
process.once('SIGTERM', () => {
  server.httpServer.closeAllConnections();
  void server.close().then(() => process.exit(0));
});
