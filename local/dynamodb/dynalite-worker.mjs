// Runs dynalite in its own thread, so that DynamoDB work (expression parsing, LevelDB)
// uses the second core instead of competing with the endpoint's event loop. Plain
// JavaScript: worker_threads loads it without the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';

const server = dynalite({ path: workerData.folder, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message === 'close') server.close(() => parentPort.postMessage('closed'));
});
