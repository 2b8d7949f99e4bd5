import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ModelRequest } from '../../../local/bedrock/conversation.js';
import { OpenAiBackend } from '../../../local/bedrock/openai.js';

const REQUEST: ModelRequest = {
  modelId: 'anthropic.claude-sonnet-4-6',
  system: [],
  messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
  tools: [],
  stopSequences: [],
};
/** A timeout no other timer of the test uses, to tell the backend's deadline apart. */
const TIMEOUT_MS = 1_234;

/** Answers at once; `/stall-head` never answers; `/stall-body` sends the head and half a body, then stalls. */
function backend(): Server {
  return createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.startsWith('/stall-head')) return;
      if (req.url?.startsWith('/stall-body')) {
        res.writeHead(200, { 'content-type': 'application/json' }).write('{"choices":');
        return;
      }
      if (req.url?.startsWith('/stream')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: 'stop' }] })}\n\n`);
        res.end('data: [DONE]\n\n');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }] }));
    });
  });
}

describe('OpenAiBackend', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = backend();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  afterEach(() => vi.restoreAllMocks());

  /** The deadlines the backend set (timers of TIMEOUT_MS) and those cleared. */
  function watchDeadlines() {
    const set: unknown[] = [];
    const cleared: unknown[] = [];
    const realSet = globalThis.setTimeout;
    const realClear = globalThis.clearTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      const timer = realSet(fn, ms);
      if (ms === TIMEOUT_MS) set.push(timer);
      return timer;
    }) as typeof setTimeout);
    vi.spyOn(globalThis, 'clearTimeout').mockImplementation(((timer?: NodeJS.Timeout) => {
      if (set.includes(timer)) cleared.push(timer);
      realClear(timer);
    }) as typeof clearTimeout);
    return { set, cleared };
  }

  it('clears its deadline once an answer is read, leaving no timer for the rest of the timeout', async () => {
    const deadlines = watchDeadlines();
    const answer = await new OpenAiBackend(`${base}/v1`, undefined, TIMEOUT_MS).answer(REQUEST);
    expect(answer.content).toEqual([{ text: 'Hello' }]);
    expect(deadlines.set).toHaveLength(1);
    expect(new Set(deadlines.cleared)).toEqual(new Set(deadlines.set));
  });

  it('clears its deadline once a streamed answer has been read to the end', async () => {
    const deadlines = watchDeadlines();
    const pieces = await new OpenAiBackend(`${base}/stream`, undefined, TIMEOUT_MS).stream(REQUEST);
    expect(deadlines.cleared).toHaveLength(0);
    for await (const _ of pieces) {
      // read to the end
    }
    expect(deadlines.set).toHaveLength(1);
    expect(new Set(deadlines.cleared)).toEqual(new Set(deadlines.set));
  });

  it('keeps its connection to the server from one call to the next, a streamed answer read past its [DONE] included', async () => {
    let connections = 0;
    const count = () => {
      connections++;
    };
    server.on('connection', count);
    try {
      const backend = new OpenAiBackend(`${base}/stream`, undefined, TIMEOUT_MS);
      for (let i = 0; i < 3; i++) {
        for await (const _ of await backend.stream(REQUEST)) {
          // read to the end
        }
        await new OpenAiBackend(`${base}/v1`, undefined, TIMEOUT_MS).answer(REQUEST);
      }
    } finally {
      server.off('connection', count);
    }
    expect(connections).toBeLessThanOrEqual(1);
  });

  it('fails with ModelTimeoutException if the server does not answer within the timeout', async () => {
    const call = new OpenAiBackend(`${base}/stall-head`, undefined, 200).answer(REQUEST);
    await expect(call).rejects.toMatchObject({ code: 'ModelTimeoutException', status: 408 });
  });

  it('fails with ModelTimeoutException if the answer stops coming before its end, within the timeout', async () => {
    const call = new OpenAiBackend(`${base}/stall-body`, undefined, 200).answer(REQUEST);
    await expect(call).rejects.toMatchObject({ code: 'ModelTimeoutException', status: 408 });
  });
});
