import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModelCallsPage, READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import type { LocalRuntime } from '../../../local/runtime.js';
import { bodyServer } from '../../helpers/body-server.js';
import { startBedrockRuntime } from './bedrock-runtime.js';

const GPT_OSS = 'openai.gpt-oss-20b-1:0';
const LONG_TERM_KEY = `ABSK${Buffer.from('BedrockAPIKey-abcd-at-123456789012:c2VjcmV0').toString('base64')}`;

/**
 * An OpenAI-compatible model server that streams each answer in two halves: the first chunk, then
 * the rest only once the request's gate is released (by the test, on reading the first chunk; by
 * the server itself after 10 s, so that a relay that waits for the whole answer fails instead of hanging).
 */
function gatedServer(): { server: Server; release: () => void; releasedBy: () => string | undefined } {
  const gates: { releasedBy?: string; release: (by: string) => void }[] = [];
  const server = bodyServer((_req, body, res) => {
    const tools = (JSON.parse(body) as { tools?: unknown }).tools !== undefined;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    // A model server that breaks midway: its first chunk, then a line that is not JSON.
    if (body.includes('break midway')) {
      write(res, textChunks()[0]);
      res.end('data: {"choices": [\n\n');
      return;
    }
    const [first, ...rest] = tools ? toolChunks() : textChunks();
    write(res, first);
    const opened = new Promise<string>((resolve) => {
      const gate: (typeof gates)[number] = {
        release: (by) => {
          gate.releasedBy ??= by;
          resolve(by);
        },
      };
      gates.push(gate);
      setTimeout(() => gate.release('the server'), 10_000).unref();
    });
    void opened.then(() => {
      for (const chunk of rest) write(res, chunk);
      res.end('data: [DONE]\n\n');
    });
  });
  return { server, release: () => gates.at(-1)?.release('the client'), releasedBy: () => gates.at(-1)?.releasedBy };
}

const chunk = (delta: object, finish: string | null = null) => ({ choices: [{ index: 0, delta, finish_reason: finish }] });
const usage = { choices: [], usage: { prompt_tokens: 11, completion_tokens: 2 } };
const textChunks = () => [chunk({ role: 'assistant', content: 'Hello ' }), chunk({ content: 'relayed' }, 'stop'), usage];
const toolChunks = () => [
  chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_9', type: 'function', function: { name: 'label', arguments: '' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"risk":' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '"low"}' } }] }, 'tool_calls'),
  usage,
];
const write = (res: ServerResponse, value: unknown) => res.write(`data: ${JSON.stringify(value)}\n\n`);

describe('the OpenAI-compatible APIs streamed from a backend that streams', () => {
  let runtime: LocalRuntime;
  let stop: () => Promise<void>;
  let gated: ReturnType<typeof gatedServer>;
  let openai: OpenAI;

  beforeAll(async () => {
    gated = gatedServer();
    await new Promise<void>((resolve) => gated.server.listen(0, '127.0.0.1', resolve));
    const { port } = gated.server.address() as AddressInfo;
    ({ runtime, stop } = await startBedrockRuntime(`openai:http://127.0.0.1:${port}/v1?model=local`));
    openai = new OpenAI({ baseURL: `${runtime.url}/openai/v1`, apiKey: LONG_TERM_KEY, maxRetries: 0 });
  });

  afterAll(async () => {
    await stop?.();
    gated?.server.close();
  });

  it("relays the backend's chunks as they come, the usage it reports in the last chunk and in the call's record", async () => {
    const stream = await openai.chat.completions.create({
      model: GPT_OSS,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let last: OpenAI.Chat.Completions.ChatCompletionChunk | undefined;
    for await (const received of stream) {
      text += received.choices[0]?.delta.content ?? '';
      // The first half came before the server sent the second: the relay did not wait for the whole answer.
      if (text !== '') gated.release();
      last = received;
    }
    expect(gated.releasedBy()).toBe('the client');
    expect(text).toBe('Hello relayed');
    expect(last).toMatchObject({
      object: 'chat.completion.chunk',
      model: GPT_OSS,
      choices: [],
      usage: { prompt_tokens: 11, completion_tokens: 2 },
    });
    const { calls } = (await (await fetch(`${runtime.url}${READ_API_PREFIX}${READ_API_PATHS.modelCalls}`)).json()) as ModelCallsPage;
    expect(calls[0]).toMatchObject({
      modelId: GPT_OSS,
      backend: expect.stringContaining('openai:'),
      inputTokens: 11,
      outputTokens: 2,
      stopReason: 'end_turn',
    });
  });

  it('relays a streamed response as its events as they come, the usage the backend reports in response.completed', async () => {
    const stream = await openai.responses.create({ model: 'openai.gpt-5.6-terra', input: 'hi', stream: true });
    let text = '';
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      // The first half came before the server sent the second.
      if (text !== '') gated.release();
      events.push(event);
    }
    expect(gated.releasedBy()).toBe('the client');
    expect(text).toBe('Hello relayed');
    const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    expect(completed.type).toBe('response.completed');
    expect(completed.response.id).toBe((events[0] as OpenAI.Responses.ResponseCreatedEvent).response.id);
    expect(completed.response.usage).toMatchObject({ input_tokens: 11, output_tokens: 2 });
    expect(completed.response.output).toMatchObject([{ type: 'message', content: [{ type: 'output_text', text: 'Hello relayed' }] }]);
  });

  it('relays a streamed tool call: its id and name first, then its argument fragments, as the openai package assembles them', async () => {
    const stream = openai.chat.completions.stream({
      model: GPT_OSS,
      messages: [{ role: 'user', content: 'label it' }],
      tools: [{ type: 'function', function: { name: 'label', parameters: { type: 'object', properties: { risk: { type: 'string' } } } } }],
      tool_choice: 'required',
    });
    stream.on('chunk', () => gated.release());
    const completion = await stream.finalChatCompletion();
    expect(gated.releasedBy()).toBe('the client');
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      id: 'call_9',
      type: 'function',
      function: { name: 'label', arguments: '{"risk":"low"}' },
    });
  });

  it('fails a stream that breaks midway with an error event (a chat chunk with `error`, a Responses `error` event: the openai package throws either), and records the call as failed', async () => {
    const messages = [{ role: 'user' as const, content: 'break midway' }];
    const chat = await openai.chat.completions.create({ model: GPT_OSS, messages, stream: true });
    const chatFailure = await (async () => {
      for await (const _ of chat);
    })().catch((e) => e);
    expect(chatFailure).toBeInstanceOf(OpenAI.APIError);
    expect(chatFailure.message).toContain('JSON');
    const response = await openai.responses.create({ model: 'openai.gpt-5.6-terra', input: 'break midway', stream: true });
    const responseFailure = await (async () => {
      for await (const _ of response);
    })().catch((e) => e);
    expect(responseFailure).toBeInstanceOf(OpenAI.APIError);
    expect(responseFailure.message).toContain('JSON');
    const { calls } = (await (await fetch(`${runtime.url}${READ_API_PREFIX}${READ_API_PATHS.modelCalls}`)).json()) as ModelCallsPage;
    expect(calls.slice(0, 2).map((call) => [call.modelId, call.error])).toEqual([
      ['openai.gpt-5.6-terra', 'SyntaxError'],
      [GPT_OSS, 'SyntaxError'],
    ]);
  });
});
