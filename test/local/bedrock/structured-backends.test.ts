import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  type BedrockRuntimeClient,
  ConverseCommand,
  type ConverseCommandInput,
  ConverseStreamCommand,
} from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelRequest } from '../../../local/bedrock/conversation.js';
import { FixturesBackend, requestDigest } from '../../../local/bedrock/fixtures.js';
import { SimulatedBackend } from '../../../local/bedrock/simulated.js';
import { bodyServer } from '../../helpers/body-server.js';
import { startBedrockRuntime } from './bedrock-runtime.js';

const SONNET = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

const schema = {
  type: 'object',
  properties: { risk: { type: 'string', enum: ['low', 'high'] }, reason: { type: 'string' } },
  required: ['risk', 'reason'],
  additionalProperties: false,
};

const outputConfig = (name?: string): ConverseCommandInput['outputConfig'] => ({
  textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: JSON.stringify(schema), ...(name ? { name } : {}) } } },
});

/**
 * An OpenAI-compatible server that answers what the prompt says: `conform` a JSON the schema
 * accepts, `break` JSON it refuses, anything else prose; streamed in two chunks when asked.
 */
function fakeOpenAi(received: Record<string, unknown>[]): Server {
  return bodyServer((_req, body, res) => {
    const request = JSON.parse(body);
    received.push(request);
    const prompt = JSON.stringify(request.messages);
    const content = prompt.includes('conform')
      ? '{"risk":"high","reason":"fire"}'
      : prompt.includes('break')
        ? '{"risk":"medium"}'
        : 'Sure! Here is the JSON you asked for.';
    if (request.stream) {
      streamed(res, content);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 30, completion_tokens: 9 },
      }),
    );
  });
}

function streamed(res: ServerResponse, content: string): void {
  const half = Math.floor(content.length / 2);
  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(
    `${chunk({ role: 'assistant', content: content.slice(0, half) })}${chunk({ content: content.slice(half) }, 'stop')}data: [DONE]\n\n`,
  );
}

describe('structured outputs on the openai backend', () => {
  const received: Record<string, unknown>[] = [];
  let server: Server;
  let client: BedrockRuntimeClient;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    server = fakeOpenAi(received);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ({ client, stop } = await startBedrockRuntime(`openai:http://127.0.0.1:${(server.address() as AddressInfo).port}/v1?model=qwen3`));
  });
  afterAll(async () => {
    await stop?.();
    server?.close();
  });

  const ask = (text: string, extra: Partial<ConverseCommandInput> = {}) =>
    client.send(
      new ConverseCommand({
        modelId: SONNET,
        messages: [{ role: 'user', content: [{ text }] }],
        outputConfig: outputConfig('Risk label'),
        ...extra,
      }),
    );

  it('asks the server for the schema as its JSON-schema response_format, strict, and relays the answer that matches it', async () => {
    const answer = await ask('conform please');
    expect(received.at(-1)?.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'Risk_label', schema, strict: true } });
    expect(JSON.parse(answer.output?.message?.content?.[0]?.text ?? '')).toEqual({ risk: 'high', reason: 'fire' });
    expect(answer.usage).toMatchObject({ inputTokens: 30, outputTokens: 9 });
  });

  it('sends a strict tool as a strict function', async () => {
    await ask('conform', {
      outputConfig: undefined,
      toolConfig: { tools: [{ toolSpec: { name: 'label', strict: true, inputSchema: { json: schema } } }] },
    });
    expect(received.at(-1)?.tools).toEqual([{ type: 'function', function: { name: 'label', parameters: schema, strict: true } }]);
    expect(received.at(-1)).not.toHaveProperty('response_format');
  });

  it('fails with ModelErrorException if the server answers JSON the schema refuses, or prose, rather than hand it on', async () => {
    for (const [text, detail] of [
      ['break it', '/ must have required properties reason'],
      ['just talk', 'not JSON: Sure! Here is the JSON you asked for.'],
    ]) {
      const error = await ask(String(text)).catch((e: Error & { $metadata?: { httpStatusCode?: number } }) => e);
      expect(error).toMatchObject({ name: 'ModelErrorException', $metadata: { httpStatusCode: 424 } });
      expect((error as Error).message).toContain(detail);
      expect((error as Error).message).toContain("Bedrock's structured outputs always match it");
    }
  });

  it('relays a conforming stream, and ends a non-conforming one with the stream error instead of its stop', async () => {
    const events = async (text: string) => {
      const response = await client.send(
        new ConverseStreamCommand({ modelId: SONNET, messages: [{ role: 'user', content: [{ text }] }], outputConfig: outputConfig() }),
      );
      const seen: string[] = [];
      try {
        for await (const event of response.stream ?? []) seen.push(Object.keys(event).join());
      } catch (error) {
        seen.push((error as Error).name);
      }
      return seen;
    };
    expect(await events('conform')).toEqual([
      'messageStart',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockStop',
      'messageStop',
      'metadata',
    ]);
    expect(await events('break')).toEqual(['messageStart', 'contentBlockDelta', 'contentBlockDelta', 'ModelStreamErrorException']);
  });
});

describe('structured outputs in fixtures', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-structured-fixtures-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const request = (withSchema: boolean): ModelRequest => ({
    modelId: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
    system: [],
    messages: [{ role: 'user', content: [{ text: 'label this' }] }],
    tools: [],
    stopSequences: [],
    ...(withSchema ? { outputSchema: { schema, name: 'label' } } : {}),
  });

  it('records the output schema with the exchange and replays the JSON answer', async () => {
    const file = path.join(dir, 'structured.jsonl');
    const recorded = await new FixturesBackend(file, new SimulatedBackend({ min: 0, max: 0 }), true).answer(request(true));
    expect(JSON.parse(readFileSync(file, 'utf8')).request.outputSchema).toEqual({ schema, name: 'label' });
    expect(await new FixturesBackend(file, undefined, false).answer(request(true))).toEqual(recorded);
  });

  it('keys a request with an output schema apart from the same request without one, and leaves the digest of the latter as it was', async () => {
    expect(requestDigest(request(true))).not.toBe(requestDigest(request(false)));
    // The digest of a request without structured outputs, as fixtures recorded before it existed hold it.
    expect(requestDigest(request(false))).toBe('a814233360bf4d2bd4026389fe054960d301e291f6a8ee02e5778c6165b109f5');
  });

  it('fails if the only fixture was recorded without the schema, since its prose would not parse', async () => {
    const file = path.join(dir, 'prose.jsonl');
    await new FixturesBackend(file, new SimulatedBackend({ min: 0, max: 0 }), true).answer(request(false));
    await expect(new FixturesBackend(file, undefined, false).answer(request(true))).rejects.toMatchObject({
      code: 'ValidationException',
      message: expect.stringContaining(`digest ${requestDigest(request(true))}`),
    });
  });
});
