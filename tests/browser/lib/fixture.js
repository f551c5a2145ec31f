// The setup every test file shares: a fresh data folder, a parley server on it and (unless
// asked not to) a browser, made before the file's tests and taken down after them.
//
//   const fixture = useParley();                       fixture.server, fixture.browser, fixture.data
//   useParley({ browser: false })                      no browser (fixture.browser stays undefined)
//   useParley({ setup: async (fixture) => { ... } })   extra setup once everything is up
//   useParley({ teardown: async (fixture) => { ... } }) extra cleanup before anything is stopped
//
// A test may replace fixture.server (a restart on the same port); the teardown stops whichever
// server the fixture holds at the end.

import { after, before } from 'node:test';
import { launchBrowser } from './browser.js';
import { makeDataDir, startParley } from './server.js';

export function useParley({ browser = true, setup, teardown } = {}) {
  const fixture = { server: undefined, browser: undefined, data: undefined };

  before(async () => {
    fixture.data = makeDataDir();
    fixture.server = await startParley({ dataFile: fixture.data.file });
    if (browser) fixture.browser = await launchBrowser();
    if (setup) await setup(fixture);
  });

  after(async () => {
    if (teardown) await teardown(fixture);
    await fixture.browser?.close();
    await fixture.server?.stop();
    fixture.data?.cleanup();
  });

  return fixture;
}
