import { rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAnswer, chatRequest } from '../../../local/bedrock/openai.js';
import { LocalRuntime } from '../../../local/runtime.js';
import { bodyServer } from '../../helpers/body-server.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { credentials, region, tempDataDir } from '../helpers.js';

const HAIKU = 'anthropic.claude-sonnet-4-6';
const NOVA = 'amazon.nova-lite-v1:0';
const LLAMA = 'meta.llama3-3-70b-instruct-v1:0';

/** A tiny OpenAI-compatible server: answers a tool call when tools are offered, else a text; `fail` in the prompt gets a 500. */
function fakeOpenAi(received: unknown[]): Server {
  return bodyServer((req, body, res) => {
    const request = JSON.parse(body);
    received.push({ path: req.url, ...request });
    if (JSON.stringify(request.messages).includes('fail')) {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"model crashed"}}');
      return;
    }
    if (request.stream) {
      streamAnswer(res, request);
      return;
    }
    const message =
      request.tools && request.tool_choice !== 'auto'
        ? {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'label', arguments: '{"risk":"high"}' } }],
          }
        : { role: 'assistant', content: 'Hello from the fake model' };
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        choices: [{ index: 0, message, finish_reason: message.tool_calls ? 'tool_calls' : 'stop' }],
        usage: { prompt_tokens: 42, completion_tokens: 7, total_tokens: 49 },
      }),
    );
  });
}

/**
 * While set, the fake server holds back its last chunk (the usage) until this settles: a test
 * releases it once a delta has reached the client, so a relay that waited for the whole answer
 * would never finish (whatever the machine's speed).
 */
let lastChunkGate: Promise<void> | undefined;

/** Server-sent chunks as OpenAI streams them, 150 ms apart: a text in two parts (or a tool call's arguments in two), then the usage. */
function streamAnswer(res: ServerResponse, request: { tools?: unknown; tool_choice?: unknown }): void {
  const tool = request.tools !== undefined && request.tool_choice !== 'auto';
  const chunk = (delta: object, finish: string | null = null) => ({ choices: [{ index: 0, delta, finish_reason: finish }] });
  const chunks = tool
    ? [
        chunk({
          role: 'assistant',
          tool_calls: [{ index: 0, id: 'call_9', type: 'function', function: { name: 'label', arguments: '' } }],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"risk":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"low"}' } }] }, 'tool_calls'),
      ]
    : [chunk({ role: 'assistant', content: 'Hello ' }), chunk({ content: 'streamed' }, 'stop')];
  const parts = [...chunks, { choices: [], usage: { prompt_tokens: 11, completion_tokens: 2 } }].map(
    (c) => `data: ${JSON.stringify(c)}\n\n`,
  );
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (i: number) => {
    if (i === parts.length) {
      res.end('data: [DONE]\n\n');
      return;
    }
    const gate = i === parts.length - 1 ? lastChunkGate : undefined;
    void (gate ?? Promise.resolve()).then(() => {
      res.write(parts[i]);
      setTimeout(() => send(i + 1), 150);
    });
  };
  send(0);
}

const labelTool = {
  toolSpec: {
    name: 'label',
    description: 'Labels the risk',
    inputSchema: { json: { type: 'object', properties: { risk: { type: 'string' } } } },
  },
};

describe('the openai model backend', () => {
  const received: Record<string, unknown>[] = [];
  const lines: string[] = [];
  const dataDir = tempDataDir();
  const assembly = tempAssemblyDir();
  let server: Server;
  let runtime: LocalRuntime;
  let client: BedrockRuntimeClient;
  let closedPort = 0;

  beforeAll(async () => {
    server = fakeOpenAi(received);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    writeAssembly(assembly, {});
    const closer = createServer();
    await new Promise<void>((resolve) => closer.listen(0, '127.0.0.1', resolve));
    closedPort = (closer.address() as AddressInfo).port;
    await new Promise((resolve) => closer.close(resolve));
    const models = `${NOVA}=openai:http://127.0.0.1:${closedPort}/v1,${LLAMA}=openai:${base},openai:${base}?model=llama3.2`;
    runtime = await LocalRuntime.start({ cdkOut: assembly, dataDir, port: 0, log: (line) => lines.push(line), models });
    client = new BedrockRuntimeClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  });

  afterAll(async () => {
    client?.destroy();
    await runtime?.stop();
    server?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(assembly, { recursive: true, force: true });
  });

  it('translates system, messages, inference settings and a forced tool, and the tool call and usage back', async () => {
    const answer = await client.send(
      new ConverseCommand({
        modelId: HAIKU,
        system: [{ text: 'You label risk.' }],
        messages: [{ role: 'user', content: [{ text: 'Invoice of 9000 EUR' }] }],
        inferenceConfig: { maxTokens: 100, temperature: 0.2, topP: 0.9, stopSequences: ['END'] },
        toolConfig: { tools: [labelTool], toolChoice: { tool: { name: 'label' } } },
      }),
    );
    expect(received.at(-1)).toEqual({
      path: '/v1/chat/completions',
      model: 'llama3.2',
      messages: [
        { role: 'system', content: 'You label risk.' },
        { role: 'user', content: 'Invoice of 9000 EUR' },
      ],
      tools: [
        { type: 'function', function: { name: 'label', description: 'Labels the risk', parameters: labelTool.toolSpec.inputSchema.json } },
      ],
      tool_choice: { type: 'function', function: { name: 'label' } },
      max_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['END'],
    });
    expect(answer.stopReason).toBe('tool_use');
    expect(answer.output?.message?.content?.[0]?.toolUse).toEqual({ toolUseId: 'call_1', name: 'label', input: { risk: 'high' } });
    expect(answer.usage).toMatchObject({ inputTokens: 42, outputTokens: 7, totalTokens: 49 });
  });

  it('sends tool uses as tool_calls and tool results as tool messages', async () => {
    const answer = await client.send(
      new ConverseCommand({
        modelId: LLAMA,
        messages: [
          { role: 'user', content: [{ text: 'Label it' }] },
          { role: 'assistant', content: [{ toolUse: { toolUseId: 'call_1', name: 'label', input: { risk: 'high' } } }] },
          { role: 'user', content: [{ toolResult: { toolUseId: 'call_1', content: [{ json: { ok: true } }] } }] },
        ],
        toolConfig: { tools: [labelTool], toolChoice: { auto: {} } },
      }),
    );
    expect((received.at(-1) as { model: string; messages: unknown[] }).model).toBe(LLAMA);
    expect((received.at(-1) as { messages: unknown[] }).messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'label', arguments: '{"risk":"high"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"ok":true}' },
    ]);
    expect(answer.output?.message?.content?.[0]?.text).toBe('Hello from the fake model');
    expect(answer.stopReason).toBe('end_turn');
  });

  it("answers every family's native body from the server, in the family's answer shape; embeddings are answered locally", async () => {
    const invoke = async (modelId: string, body: unknown) =>
      JSON.parse(new TextDecoder().decode((await client.send(new InvokeModelCommand({ modelId, body: JSON.stringify(body) }))).body));
    const before = received.length;
    expect(await invoke('mistral.mistral-7b-instruct-v0:2', { prompt: '[INST] hi [/INST]' })).toEqual({
      outputs: [{ text: 'Hello from the fake model', stop_reason: 'stop' }],
    });
    expect((await invoke('us.deepseek.r1-v1:0', { prompt: 'think' })).choices[0].text).toBe('Hello from the fake model');
    expect((await invoke('ai21.jamba-1-5-mini-v1:0', { messages: [{ role: 'user', content: 'hi' }] })).choices[0].message.content).toBe(
      'Hello from the fake model',
    );
    expect((received.at(-3) as { messages: unknown[] }).messages).toEqual([{ role: 'user', content: '[INST] hi [/INST]' }]);
    await invoke('amazon.titan-embed-text-v2:0', { inputText: 'local' });
    expect(received.length).toBe(before + 3);
  });

  it('relays the server-sent stream through ConverseStream as it comes, with the server usage', async () => {
    let release = () => {};
    lastChunkGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    try {
      const response = await client.send(
        new ConverseStreamCommand({ modelId: HAIKU, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }),
      );
      let text = '';
      let usage: unknown;
      for await (const event of response.stream ?? []) {
        // The server sends its last chunk only once a delta has come through: a relay that
        // buffered the whole answer would hang here until the test's timeout.
        if (event.contentBlockDelta) release();
        text += event.contentBlockDelta?.delta?.text ?? '';
        usage = event.metadata?.usage ?? usage;
      }
      expect(text).toBe('Hello streamed');
      expect(usage).toEqual({ inputTokens: 11, outputTokens: 2, totalTokens: 13 });
      expect((received.at(-1) as { stream?: boolean }).stream).toBe(true);
    } finally {
      release();
      lastChunkGate = undefined;
    }
  });

  it('relays a streamed tool call as contentBlockStart and input deltas', async () => {
    const response = await client.send(
      new ConverseStreamCommand({
        modelId: HAIKU,
        messages: [{ role: 'user', content: [{ text: 'label it' }] }],
        toolConfig: { tools: [labelTool], toolChoice: { any: {} } },
      }),
    );
    const events: string[] = [];
    let input = '';
    let stop: string | undefined;
    for await (const event of response.stream ?? []) {
      events.push(Object.entries(event).find(([, value]) => value !== undefined)?.[0] ?? '');
      input += event.contentBlockDelta?.delta?.toolUse?.input ?? '';
      if (event.contentBlockStart) expect(event.contentBlockStart.start?.toolUse).toEqual({ toolUseId: 'call_9', name: 'label' });
      stop = event.messageStop?.stopReason ?? stop;
    }
    expect(events).toEqual([
      'messageStart',
      'contentBlockStart',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockStop',
      'messageStop',
      'metadata',
    ]);
    expect(JSON.parse(input)).toEqual({ risk: 'low' });
    expect(stop).toBe('tool_use');
  });

  it('fails ConverseStream if the backend is unreachable, before the stream starts', async () => {
    await expect(
      client.send(new ConverseStreamCommand({ modelId: NOVA, messages: [{ role: 'user', content: [{ text: 'hi' }] }] })),
    ).rejects.toMatchObject({ name: 'ServiceUnavailableException' });
  });

  it('records a relayed ConverseStream call in the model calls, with the usage the server reported', async () => {
    const response = await client.send(
      new ConverseStreamCommand({ modelId: HAIKU, messages: [{ role: 'user', content: [{ text: 'count me' }] }] }),
    );
    for await (const _ of response.stream ?? []);
    expect(runtime.bedrock.calls.list({ limit: 1 })).toEqual([
      expect.objectContaining({
        modelId: HAIKU,
        model: HAIKU,
        backend: expect.stringMatching(/^openai:http/),
        inputTokens: 11,
        outputTokens: 2,
        stopReason: 'end_turn',
      }),
    ]);
  });

  it('records a ConverseStream call that fails before its stream starts, with its error', async () => {
    await expect(
      client.send(new ConverseStreamCommand({ modelId: NOVA, messages: [{ role: 'user', content: [{ text: 'count my failure' }] }] })),
    ).rejects.toMatchObject({ name: 'ServiceUnavailableException' });
    expect(runtime.bedrock.calls.list({ limit: 1 })).toEqual([
      expect.objectContaining({ modelId: NOVA, error: 'ServiceUnavailableException', inputTokens: 0, outputTokens: 0 }),
    ]);
  });

  it('fails if the backend is unreachable, with ServiceUnavailableException and the reason in the log', async () => {
    await expect(
      client.send(new ConverseCommand({ modelId: NOVA, messages: [{ role: 'user', content: [{ text: 'hi' }] }] })),
    ).rejects.toMatchObject({
      name: 'ServiceUnavailableException',
      $metadata: { httpStatusCode: 503 },
    });
    expect(
      lines.some(
        (line) =>
          line.startsWith(`[bedrock] openai:http://127.0.0.1:${closedPort}/v1 failed for amazon.nova-lite-v1:0`) &&
          /ECONNREFUSED/.test(line),
      ),
    ).toBe(true);
  });

  it('fails if the backend errs, with ModelErrorException and its status in the log', async () => {
    await expect(
      client.send(new ConverseCommand({ modelId: HAIKU, messages: [{ role: 'user', content: [{ text: 'fail now' }] }] })),
    ).rejects.toMatchObject({
      name: 'ModelErrorException',
      originalStatusCode: 500,
    });
    expect(lines.some((line) => line.includes('failed for anthropic.claude-sonnet-4-6') && line.includes('model crashed'))).toBe(true);
  });
});

describe('chatRequest', () => {
  const base = { modelId: HAIKU, system: [], messages: [{ role: 'user' as const, content: [{ text: 'hi' }] }], stopSequences: [] };
  const tools = [{ name: 'label', inputSchema: { type: 'object' } }];

  it('maps toolChoice auto, any and tool to auto, required and a named function', () => {
    expect(chatRequest({ ...base, tools, toolChoice: { kind: 'auto' } }, 'm').tool_choice).toBe('auto');
    expect(chatRequest({ ...base, tools, toolChoice: { kind: 'any' } }, 'm').tool_choice).toBe('required');
    expect(chatRequest({ ...base, tools, toolChoice: { kind: 'tool', name: 'label' } }, 'm').tool_choice).toEqual({
      type: 'function',
      function: { name: 'label' },
    });
    expect(chatRequest({ ...base, tools: [] }, 'm')).not.toHaveProperty('tool_choice');
  });
});

describe('chatAnswer', () => {
  it('maps finish reasons and keeps the server usage', () => {
    const answer = chatAnswer({
      choices: [{ message: { content: 'cut' }, finish_reason: 'length' }],
      usage: { prompt_tokens: 3, completion_tokens: 1 },
    });
    expect(answer).toEqual({ content: [{ text: 'cut' }], stopReason: 'max_tokens', usage: { inputTokens: 3, outputTokens: 1 } });
  });
});
