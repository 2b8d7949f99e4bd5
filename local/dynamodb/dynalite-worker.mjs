// Runs dynalite in its own thread, so that DynamoDB work (expression parsing, LevelDB)
// uses the second core instead of competing with the endpoint's event loop. Plain
// JavaScript: worker_threads loads it without the TypeScript loader.
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';

// dynalite opens its LevelDB lazily and, when that fails (another process still has the
// folder's LOCK), dies on the first request, which the endpoint then sees as ECONNREFUSED.
// The database is opened once here first: a lock held by a runtime that is still exiting is
// waited for; any other failure is reported, instead of a port that does not answer.
const failure = workerData.folder ? await openOnce(workerData.folder) : undefined;
if (failure) parentPort.postMessage({ error: failure });
else start();

/** Opens and closes the folder's LevelDB; what went wrong, if it cannot be opened. */
async function openOnce(folder) {
  const { Level } = createRequire(createRequire(import.meta.url).resolve('dynalite'))('level');
  const deadline = Date.now() + workerData.lockedWaitMs;
  for (;;) {
    const probe = new Level(folder);
    try {
      await probe.open();
      await probe.close();
      return undefined;
    } catch (error) {
      const cause = error.cause ?? error;
      if (cause.code !== 'LEVEL_LOCKED' || Date.now() > deadline) return `${cause.code ?? error.code}: ${cause.message}`;
      await sleep(100);
    }
  }
}

function start() {
  const server = dynalite({ path: workerData.folder, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
  parentPort.on('message', (message) => {
    if (message === 'close') server.close(() => parentPort.postMessage('closed'));
  });
}
