import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type BedrockRuntimeClient,
  ConverseCommand,
  type ConverseCommandInput,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
} from '@aws-sdk/client-bedrock-runtime';
import Ajv2020 from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../local/bedrock/catalogue.js';
import { isChatModel } from '../../../local/bedrock/model-ids.js';
import { bodyServer } from '../../helpers/body-server.js';
import { startBedrockRuntime, useBedrockRuntime } from './bedrock-runtime.js';

// biome-ignore lint/suspicious/noExplicitAny: model answers read as plain JSON, field by field
type Json = Record<string, any>;

const GPT_OSS = 'openai.gpt-oss-120b-1:0';
const QWEN = 'qwen.qwen3-32b-v1:0';
const MINISTRAL = 'mistral.ministral-3-8b-instruct';
/** A chat-completions model AWS does not list as taking structured outputs. */
const GEMMA_4B = 'google.gemma-3-4b-it';

const schema = {
  type: 'object',
  properties: {
    risk: { type: 'string', enum: ['low', 'high'] },
    reason: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' }, minItems: 1 },
  },
  required: ['risk', 'reason', 'tags'],
  additionalProperties: false,
};
const valid = new Ajv2020({ strict: false }).compile(schema);

const responseFormat = (jsonSchema: unknown = schema) => ({
  type: 'json_schema',
  json_schema: { name: 'triage', description: 'A triage', schema: jsonSchema, strict: true },
});
const chatBody = (extra: Json = {}) => ({ messages: [{ role: 'user', content: 'Printer on fire' }], max_tokens: 300, ...extra });

describe('structured outputs in open-weight models (simulated)', () => {
  const bedrock = useBedrockRuntime('simulated');

  const invoke = async (modelId: string, body: unknown): Promise<Json> => {
    const response = await bedrock.client.send(new InvokeModelCommand({ modelId, body: JSON.stringify(body) }));
    return JSON.parse(new TextDecoder().decode(response.body));
  };
  const streamed = async (modelId: string, body: unknown): Promise<Json[]> => {
    const response = await bedrock.client.send(new InvokeModelWithResponseStreamCommand({ modelId, body: JSON.stringify(body) }));
    const chunks: Json[] = [];
    for await (const event of response.body ?? []) chunks.push(JSON.parse(new TextDecoder().decode(event.chunk?.bytes)));
    return chunks;
  };
  const refusal = async (modelId: string, body: unknown) => {
    const error = await invoke(modelId, body).then(
      () => undefined,
      (e: Error & { $metadata?: { httpStatusCode?: number } }) => e,
    );
    return { name: error?.name, message: error?.message, status: error?.$metadata?.httpStatusCode };
  };

  it("answers a chat-completions body's response_format with JSON the schema accepts, whole and streamed", async () => {
    const answer = await invoke(GPT_OSS, chatBody({ response_format: responseFormat() }));
    expect(answer).toMatchObject({ object: 'chat.completion', choices: [{ finish_reason: 'stop' }] });
    const text = answer.choices[0].message.content;
    expect(valid(JSON.parse(text))).toBe(true);
    const chunks = await streamed(GPT_OSS, chatBody({ response_format: responseFormat() }));
    expect(chunks.map((chunk) => chunk.choices[0].delta.content ?? '').join('')).toBe(text);
  });

  it("answers Mistral's chat body with a response_format, and Converse's outputConfig for an open-weight model", async () => {
    const answer = await invoke(MINISTRAL, chatBody({ response_format: responseFormat() }));
    expect(valid(JSON.parse(answer.choices[0].message.content))).toBe(true);
    const outputConfig: ConverseCommandInput['outputConfig'] = {
      textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: JSON.stringify(schema), name: 'triage' } } },
    };
    const conversed = await bedrock.client.send(
      new ConverseCommand({ modelId: QWEN, messages: [{ role: 'user', content: [{ text: 'Printer on fire' }] }], outputConfig }),
    );
    expect(valid(JSON.parse(conversed.output?.message?.content?.[0]?.text ?? ''))).toBe(true);
  });

  it('answers prose to a response_format that asks for no schema (text, json_object)', async () => {
    for (const type of ['text', 'json_object']) {
      const answer = await invoke(GPT_OSS, chatBody({ response_format: { type } }));
      expect(answer.choices[0].message.content).toMatch(/^Simulated answer of /);
    }
  });

  it('fails if the model does not take structured outputs, naming the key its body may not carry', async () => {
    expect(await refusal(GEMMA_4B, chatBody({ response_format: responseFormat() }))).toEqual({
      name: 'ValidationException',
      message: 'Malformed input request: #: extraneous key [response_format] is not permitted, please reformat your input and try again.',
      status: 400,
    });
    const strictTool = { type: 'function', function: { name: 'file', parameters: schema, strict: true } };
    expect((await refusal(GEMMA_4B, chatBody({ tools: [strictTool] }))).message).toBe(
      'Malformed input request: #: extraneous key [strict] is not permitted, please reformat your input and try again.',
    );
  });

  it('fails if the response_format is not one the body takes', async () => {
    expect((await refusal(GPT_OSS, chatBody({ response_format: { type: 'xml' } }))).message).toBe(
      'Malformed input request: #/response_format/type: xml is not a valid enum value, please reformat your input and try again.',
    );
    expect((await refusal(GPT_OSS, chatBody({ response_format: { type: 'json_schema' } }))).message).toBe(
      'Malformed input request: #/response_format: required key [json_schema] not found, please reformat your input and try again.',
    );
    expect((await refusal(GPT_OSS, chatBody({ response_format: { type: 'json_schema', json_schema: { name: 'x' } } }))).message).toBe(
      'Malformed input request: #/response_format/json_schema: required key [schema] not found, please reformat your input and try again.',
    );
    expect((await refusal(GPT_OSS, chatBody({ response_format: 'json' }))).message).toBe(
      'Malformed input request: #/response_format: expected type: JSONObject, found: String, please reformat your input and try again.',
    );
  });

  it('fails if the schema is outside the subset, at the field the body gave it in', async () => {
    const ranged = { ...schema, properties: { ...schema.properties, score: { type: 'integer', minimum: 1 } } };
    expect(await refusal(QWEN, chatBody({ response_format: responseFormat(ranged) }))).toEqual({
      name: 'ValidationException',
      message: "response_format.json_schema.schema: For 'integer' type, property 'minimum' is not supported",
      status: 400,
    });
  });
});

describe('structured outputs in the catalogue', () => {
  it('marks only chat models the local Bedrock answers', () => {
    const marked = CATALOGUE.filter((model) => model.structuredOutput);
    expect(marked.length).toBeGreaterThan(30);
    expect(marked.filter((model) => !isChatModel(model) || model.notServed !== undefined)).toEqual([]);
  });

  it('marks the Claude models AWS names and not those it does not', () => {
    const marked = (id: string) => CATALOGUE.find((model) => model.id === id)?.structuredOutput === true;
    for (const id of [
      'anthropic.claude-sonnet-4-5-20250929-v1:0',
      'anthropic.claude-haiku-4-5-20251001-v1:0',
      'anthropic.claude-opus-4-5-20251101-v1:0',
      'anthropic.claude-opus-4-6-v1',
    ]) {
      expect(marked(id), id).toBe(true);
    }
    for (const id of ['anthropic.claude-opus-4-1-20250805-v1:0', 'anthropic.claude-opus-4-7', GEMMA_4B]) expect(marked(id), id).toBe(false);
  });
});

describe('structured outputs in open-weight bodies on the openai backend', () => {
  const received: Json[] = [];
  let server: Server;
  let client: BedrockRuntimeClient;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    server = bodyServer((_req, body, res) => {
      received.push(JSON.parse(body));
      const content = '{"risk":"high","reason":"fire","tags":["hardware"]}';
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 30, completion_tokens: 12 },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ({ client, stop } = await startBedrockRuntime(`openai:http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
  afterAll(async () => {
    await stop?.();
    await new Promise((resolve) => server.close(resolve));
  });

  it("passes a native body's response_format and strict functions on to the server as its own", async () => {
    const strictTool = { type: 'function', function: { name: 'file', parameters: schema, strict: true } };
    const response = await client.send(
      new InvokeModelCommand({
        modelId: GPT_OSS,
        body: JSON.stringify(chatBody({ response_format: responseFormat(), tools: [strictTool] })),
      }),
    );
    const answer = JSON.parse(new TextDecoder().decode(response.body));
    expect(valid(JSON.parse(answer.choices[0].message.content))).toBe(true);
    expect(received.at(-1)).toMatchObject({
      response_format: { type: 'json_schema', json_schema: { name: 'triage', description: 'A triage', schema, strict: true } },
      tools: [{ type: 'function', function: { name: 'file', parameters: schema, strict: true } }],
    });
  });
});
