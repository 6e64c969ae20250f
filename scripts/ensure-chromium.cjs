#!/usr/bin/env node
// Set-up tool: makes sure a system Chromium is present (the service uses puppeteer-core and never downloads one).
// Found: prints its path. Missing and root: installs Debian's `chromium` with apt. Otherwise: prints the
// exact command and exits non-zero. Plain CommonJS so it runs before `npm run build`.
'use strict';
const { existsSync } = require('node:fs');
const { execFileSync } = require('node:child_process');

// The same list the service's config auto-detects from.
const CANDIDATES = require('../src/config/chromium-candidates.json');
const INSTALL = 'apt-get update && apt-get install -y chromium';

function found() {
  const configured = process.env.CHROME_PATH;
  if (configured) return existsSync(configured) ? configured : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

let path = found();
if (!path) {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    console.error(`Chromium not found. Install it as root:\n  ${INSTALL}`);
    process.exit(1);
  }
  console.log(`Chromium not found; running: ${INSTALL}`);
  execFileSync('sh', ['-c', `${INSTALL} >/dev/null`], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  path = found();
  if (!path) {
    console.error(`Chromium still missing after: ${INSTALL}`);
    process.exit(1);
  }
}
console.log(`Chromium: ${path}`);
