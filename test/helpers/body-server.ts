import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** An HTTP server that reads each request's whole body (as text) before `handle` answers it: the suites' stand-in backends. */
export function bodyServer(handle: (request: IncomingMessage, body: string, response: ServerResponse) => void): Server {
  return createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => handle(request, body, response));
  });
}
