// Entry point for CTest: runs the browser suite with Node's built-in test runner, or reports
// "skipped" (exit 77) when `npm ci` has not been run here, so a build without Node packages
// still passes its other tests.
//
//   node run-tests.js                 every *.test.js in this folder
//   node run-tests.js chat.test.js    just one file

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SKIP = 77;
const here = path.dirname(fileURLToPath(import.meta.url));

if (!fs.existsSync(path.join(here, 'node_modules', 'playwright-core'))) {
  console.log('browser tests skipped: run `npm ci` in tests/browser first');
  process.exit(SKIP);
}

const requested = process.argv.slice(2);
const files = requested.length
  ? requested
  : fs.readdirSync(here).filter((name) => name.endsWith('.test.js')).sort();

const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  cwd: here,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
