import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { MCP_PATH } from './mount.js';
import { createMcpServer, type McpServerOptions } from './server.js';

/** A request body larger than this is no MCP message a client of these tools sends. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * The MCP server over Streamable HTTP for `switchyard dev`'s endpoint, made once the
 * runtime's URL is known: each session (initialize without an Mcp-Session-Id, then that id
 * on every request, DELETE to end it) gets a server and transport of its own, targeting the
 * runtime. The endpoint checks Host and Origin first and answers loopback clients only
 * (local/endpoint/server.ts).
 */
export function mcpHttpHandler(options: Omit<McpServerOptions, 'endpoint' | 'aws' | 'profile'>) {
  return (url: string) => {
    const sessions = new Map<string, StreamableHTTPServerTransport>();
    return {
      handles: (rawPath: string) => rawPath === MCP_PATH,
      async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const body = req.method === 'POST' ? await jsonBody(req) : undefined;
        if (body instanceof Error) return answer(res, 400, -32700, `not JSON: ${body.message}`);
        const id = req.headers['mcp-session-id'];
        const known = typeof id === 'string' ? sessions.get(id) : undefined;
        if (known !== undefined) return known.handleRequest(req, res, body);
        if (id !== undefined)
          return answer(res, 404, -32001, `no session ${String(id)}: it ended, or the runtime restarted; initialize again`);
        if (req.method !== 'POST' || !isInitializeRequest(body)) {
          return answer(res, 400, -32000, 'no session: send initialize first, without an Mcp-Session-Id header');
        }
        const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (sessionId) => void sessions.set(sessionId, transport),
        });
        transport.onclose = () => {
          if (transport.sessionId) sessions.delete(transport.sessionId);
        };
        await createMcpServer({ ...options, endpoint: url }).connect(transport);
        return transport.handleRequest(req, res, body);
      },
    };
  };
}

/** The request's JSON, or the error that reading or parsing it met. */
async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return new Error(`the body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    return error as Error;
  }
}

/** A JSON-RPC error answer outside any session, as the transport itself answers one. */
function answer(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}
