// Runs dynalite in its own thread, so that DynamoDB work (expression parsing, LevelDB)
// uses the second core instead of competing with the endpoint's event loop. Plain
// JavaScript: worker_threads loads it without the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';

const server = dynalite({ path: workerData.folder, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.keepAliveTimeout = 60_000;

// dynalite throws, where no one catches it, an error its request checks did not expect (GetItem
// with a null attribute value: `Key: {"pk": null}`) and any error of the request stream (a
// client that went away); either would end this thread and DynamoDB with it. The first comes
// from a request DynamoDB cannot read and is answered as DynamoDB answers one; the second
// has no one left to answer.
const [handleRequest] = server.listeners('request');
server.removeAllListeners('request');
server.on('request', (req, res) => {
  const on = req.on.bind(req);
  req.on = (event, listener) => {
    if (event === 'error') return on(event, () => res.destroy());
    return on(event, event === 'end' ? answerCrash(listener, res) : listener);
  };
  handleRequest(req, res);
});

function answerCrash(listener, res) {
  return function (...args) {
    try {
      return listener.apply(this, args);
    } catch (error) {
      if (res.headersSent) return res.destroy();
      const nullValue = error instanceof TypeError && /null/.test(error.message);
      const body = JSON.stringify({
        __type: 'com.amazon.coral.validate#ValidationException',
        message: nullValue
          ? 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes'
          : 'One or more parameter values were invalid: the request has a value DynamoDB cannot read',
      });
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }
  };
}

server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message === 'close') server.close(() => parentPort.postMessage('closed'));
});
