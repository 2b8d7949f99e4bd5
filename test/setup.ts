import { vi } from 'vitest';
import { WAIT_DEFAULTS } from './wait-defaults.js';

// The tests must run on the Node major that Lambda runs (nodejs24.x). npm scripts put
// node_modules/.bin first on PATH, where the node-linux-* package provides Node 24.
const major = Number(process.versions.node.split('.')[0]);
if (major !== 24) {
  throw new Error(
    `tests are running on Node ${process.versions.node}, but Lambda runs nodejs24.x; run them through npm (npm test), which uses node_modules/.bin/node`,
  );
}

// The AWS SDK cache (local/lambda/runtime/sdk-cache.ts): a folder inside the repository, never fetched
// into. A test that fetches or seeds one gives the runtime its own folder and registry.
process.env.SWITCHYARD_SDK_CACHE ??= new URL('../node_modules/.cache/switchyard-test-sdk', import.meta.url).pathname;
process.env.SWITCHYARD_SDK_FETCH ??= 'off';

// vi.waitFor gives up after 1 s of real time unless a test says otherwise, so a wait for what
// takes milliseconds on a quiet machine failed on a busy one (2 cores shared by several runs
// take seconds): its default is WAIT_DEFAULTS' here, as vitest.config.ts gives expect.poll
// (vitest has a setting for expect.poll, none for vi.waitFor). A test that waits on real time
// for something that must not come still names its own timeout.
const withDefault = Symbol.for('switchyard.waitFor.defaults');
if (!(withDefault in vi.waitFor)) {
  const waitFor = vi.waitFor;
  const patient: typeof vi.waitFor = (callback, options) =>
    waitFor(callback, typeof options === 'number' ? options : { ...WAIT_DEFAULTS, ...options });
  Object.assign(patient, { [withDefault]: true });
  vi.waitFor = patient;
}
