// Starts the real `parley` binary on an ephemeral port with its own data file, and stops it.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const LISTENING = /listening on https?:\/\/[^\s:]+:(\d+)/;

function parleyBinary() {
  if (process.env.PARLEY_BIN) return process.env.PARLEY_BIN;
  // Convenience for running `node --test` by hand after a default build.
  const guess = path.join(repoRoot, 'build', 'server', 'parley');
  if (fs.existsSync(guess)) return guess;
  throw new Error('Set PARLEY_BIN to the parley binary (CTest does this)');
}

export function webRoot() {
  return process.env.PARLEY_WEB_ROOT ?? path.join(repoRoot, 'web');
}

// A fresh folder for one test's database; removed by cleanup().
export function makeDataDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-browser-'));
  return {
    file: path.join(dir, 'parley.db'),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

// Resolves once the server has printed its listening line. `port: 0` asks for an ephemeral port.
export async function startParley({ port = 0, dataFile = ':memory:', extraArgs = [] } = {}) {
  const args = ['serve', '--host', '127.0.0.1', '--port', String(port), '--data', dataFile];
  args.push('--web-root', webRoot(), ...extraArgs);
  // A port just released by a stopped server can take a moment to be bindable again.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await launch(args);
    } catch (err) {
      if (port === 0 || attempt >= 10) throw err;
      await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
    }
  }
}

// Servers still running when this process ends (a test crashed before its cleanup) are
// killed with it, so no orphan keeps a port or a temp file.
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function launch(args) {
  const child = spawn(parleyBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`parley did not start within 30 s. Output:\n${output}`));
    }, 30000);
    const onData = (chunk) => {
      output += chunk;
      const match = output.match(LISTENING);
      if (!match) return;
      clearTimeout(timer);
      // From now on only keep what it prints, for tests that wait on a log line.
      child.stdout.off('data', onData);
      child.stdout.on('data', (more) => {
        output += more;
      });
      const port = Number(match[1]);
      resolve(makeHandle(child, port, () => output));
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      output += chunk;
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`parley exited early (code ${code}, signal ${signal}). Output:\n${output}`));
    });
  });
}

function makeHandle(child, port, output) {
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    output,
    // SIGTERM is the graceful path (clients get 1001); SIGKILL only if it hangs.
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timeout = setTimeout(() => child.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(timeout);
    },
  };
}

// A token for `hello`, made the way an operator would: `parley token`.
export function makeToken(nick, secret) {
  const result = spawnSync(parleyBinary(), ['token', '--user', nick, '--secret', secret], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`parley token failed: ${result.stderr}`);
  return result.stdout.trim();
}
