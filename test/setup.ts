// The tests must run on the Node major that Lambda runs (nodejs24.x). npm scripts put
// node_modules/.bin first on PATH, where the node-linux-* package provides Node 24.
const major = Number(process.versions.node.split('.')[0]);
if (major !== 24) {
  throw new Error(
    `tests are running on Node ${process.versions.node}, but Lambda runs nodejs24.x; run them through npm (npm test), which uses node_modules/.bin/node`,
  );
}

// The AWS SDK cache (local/lambda/sdk-cache.ts): a folder inside the repository, never fetched
// into. A test that fetches or seeds one gives the runtime its own folder and registry.
process.env.SWITCHYARD_SDK_CACHE ??= new URL('../node_modules/.cache/switchyard-test-sdk', import.meta.url).pathname;
process.env.SWITCHYARD_SDK_FETCH ??= 'off';
