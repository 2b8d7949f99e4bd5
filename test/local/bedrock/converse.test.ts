import {
  ConverseCommand,
  type ConverseCommandInput,
  ConverseStreamCommand,
  CountTokensCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
} from '@aws-sdk/client-bedrock-runtime';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { region } from '../helpers.js';
import { useBedrockRuntime } from './bedrock-runtime.js';

const HAIKU = 'anthropic.claude-sonnet-4-6';
const SONNET = 'anthropic.claude-sonnet-4-5-20250929-v1:0';

const invoiceTool = {
  toolSpec: {
    name: 'record_invoice',
    description: 'Records the fields of an invoice',
    inputSchema: {
      json: {
        type: 'object',
        properties: {
          vendor: { type: 'string', minLength: 2 },
          total: { type: 'number', minimum: 1 },
          currency: { type: 'string', enum: ['EUR', 'USD'] },
          lines: { type: 'array', minItems: 1, items: { type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] } },
        },
        required: ['vendor', 'total', 'currency', 'lines'],
      },
    },
  },
};

const ask = (text: string): ConverseCommandInput['messages'] => [{ role: 'user', content: [{ text }] }];

describe('Bedrock Runtime in the local runtime (SDK v3 over HTTP/2)', () => {
  const bedrock = useBedrockRuntime(
    'meta.llama3-1-8b-*=simulated?throttle=1,amazon.nova-micro-*=simulated?error=1,us.*=simulated?unavailable=1,simulated',
  );
  const converse = (input: ConverseCommandInput) => bedrock.client.send(new ConverseCommand(input));

  it('answers Converse with a deterministic text, usage and latency', async () => {
    const input = { modelId: HAIKU, messages: ask('Hello there'), system: [{ text: 'Be brief.' }] };
    const first = await converse(input);
    const second = await converse(input);
    expect(first.output?.message?.role).toBe('assistant');
    expect(first.output?.message?.content?.[0]?.text).toContain('Hello there');
    expect(second.output?.message?.content).toEqual(first.output?.message?.content);
    expect(first.stopReason).toBe('end_turn');
    expect(first.usage?.inputTokens).toBeGreaterThan(3);
    expect(first.usage?.totalTokens).toBe((first.usage?.inputTokens ?? 0) + (first.usage?.outputTokens ?? 0));
    expect(first.metrics?.latencyMs).toBeGreaterThan(0);
  });

  it('answers a forced tool with an input its schema accepts', async () => {
    const answer = await bedrock.client.send(
      new ConverseCommand({
        modelId: `global.${SONNET}`,
        messages: ask('Invoice from ACME, 12 EUR'),
        toolConfig: { tools: [invoiceTool], toolChoice: { tool: { name: 'record_invoice' } } },
      }),
    );
    expect(answer.stopReason).toBe('tool_use');
    const use = answer.output?.message?.content?.[0]?.toolUse;
    expect(use?.name).toBe('record_invoice');
    const validate = new Ajv().compile(invoiceTool.toolSpec.inputSchema.json);
    expect(validate(use?.input)).toBe(true);
  });

  it('cuts the answer at maxTokens and says so', async () => {
    const answer = await bedrock.client.send(
      new ConverseCommand({ modelId: HAIKU, messages: ask('Tell me a long story'), inferenceConfig: { maxTokens: 3 } }),
    );
    expect(answer.stopReason).toBe('max_tokens');
    expect(answer.usage?.outputTokens).toBe(3);
  });

  it('writes then reads the prompt cache up to a cachePoint block', async () => {
    const system = [{ text: 'You extract invoices. '.repeat(50) }, { cachePoint: { type: 'default' as const } }];
    const first = await converse({ modelId: HAIKU, system, messages: ask('one') });
    const second = await converse({ modelId: HAIKU, system, messages: ask('two') });
    expect(first.usage?.cacheWriteInputTokens).toBeGreaterThan(100);
    expect(first.usage?.cacheReadInputTokens).toBe(0);
    expect(second.usage?.cacheReadInputTokens).toBe(first.usage?.cacheWriteInputTokens);
    expect(second.usage?.inputTokens).toBeLessThan(10);
  });

  it('echoes the service tier asked for', async () => {
    const answer = await converse({ modelId: HAIKU, messages: ask('hi'), serviceTier: { type: 'flex' } });
    expect(answer.serviceTier?.type).toBe('flex');
  });

  it('streams ConverseStream as event-stream frames the SDK decodes', async () => {
    const response = await bedrock.client.send(
      new ConverseStreamCommand({
        modelId: `global.${SONNET}`,
        messages: ask('Invoice from ACME'),
        toolConfig: { tools: [invoiceTool], toolChoice: { any: {} } },
      }),
    );
    const events: string[] = [];
    let input = '';
    let usage: unknown;
    for await (const event of response.stream ?? []) {
      events.push(Object.entries(event).find(([, value]) => value !== undefined)?.[0] ?? '');
      input += event.contentBlockDelta?.delta?.toolUse?.input ?? '';
      if (event.metadata) usage = event.metadata.usage;
      if (event.metadata) expect(event.metadata.metrics?.latencyMs).toBeGreaterThan(0);
    }
    expect(events).toEqual(['messageStart', 'contentBlockStart', 'contentBlockDelta', 'contentBlockStop', 'messageStop', 'metadata']);
    expect(JSON.parse(input).currency).toBe('EUR');
    expect(usage).toMatchObject({ inputTokens: expect.any(Number), outputTokens: expect.any(Number) });
  });

  it('streams text deltas that join into the Converse answer', async () => {
    const input = { modelId: HAIKU, messages: ask('Stream this please') };
    const whole = await converse(input);
    const response = await bedrock.client.send(new ConverseStreamCommand(input));
    let text = '';
    for await (const event of response.stream ?? []) text += event.contentBlockDelta?.delta?.text ?? '';
    expect(text).toBe(whole.output?.message?.content?.[0]?.text);
  });

  it('answers InvokeModel with the Anthropic Messages body and token headers', async () => {
    const body = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 200, messages: [{ role: 'user', content: 'Hi Claude' }] };
    const response = await bedrock.client.send(
      new InvokeModelCommand({ modelId: HAIKU, body: JSON.stringify(body), contentType: 'application/json' }),
    );
    const answer = JSON.parse(new TextDecoder().decode(response.body));
    expect(answer).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn', content: [{ type: 'text' }] });
    expect(answer.usage.input_tokens).toBeGreaterThan(0);
    expect(response.contentType).toBe('application/json');
  });

  it('answers InvokeModel for Nova, Llama, Titan and Cohere in their native bodies', async () => {
    const invoke = async (modelId: string, body: unknown) =>
      JSON.parse(
        new TextDecoder().decode((await bedrock.client.send(new InvokeModelCommand({ modelId, body: JSON.stringify(body) }))).body),
      );
    const nova = await invoke('amazon.nova-lite-v1:0', {
      schemaVersion: 'messages-v1',
      messages: [{ role: 'user', content: [{ text: 'hi' }] }],
    });
    expect(nova.output.message.content[0].text).toContain('hi');
    expect(nova.usage.totalTokens).toBeGreaterThan(0);
    const llama = await invoke('meta.llama3-8b-instruct-v1:0', { prompt: 'hi', max_gen_len: 50 });
    expect(llama).toMatchObject({ generation: expect.any(String), stop_reason: 'stop' });
    const titan = await invoke('amazon.titan-embed-text-v2:0', { inputText: 'invoice', dimensions: 256 });
    expect(titan.embedding).toHaveLength(256);
    expect(titan.inputTextTokenCount).toBeGreaterThan(0);
    const cohere = await invoke('cohere.embed-english-v3', { texts: ['a', 'b'], input_type: 'search_document' });
    expect(cohere.embeddings).toHaveLength(2);
    expect(cohere.embeddings[0]).toHaveLength(1024);
  });

  it('streams InvokeModelWithResponseStream as native Anthropic chunks', async () => {
    const body = { anthropic_version: 'bedrock-2023-05-31', max_tokens: 200, messages: [{ role: 'user', content: 'Hi' }] };
    const response = await bedrock.client.send(new InvokeModelWithResponseStreamCommand({ modelId: HAIKU, body: JSON.stringify(body) }));
    const types: string[] = [];
    for await (const event of response.body ?? []) types.push(JSON.parse(new TextDecoder().decode(event.chunk?.bytes)).type);
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
  });

  it('counts tokens of a Converse input', async () => {
    const counted = await bedrock.client.send(
      new CountTokensCommand({ modelId: HAIKU, input: { converse: { messages: ask('How many tokens is this?') } } }),
    );
    expect(counted.inputTokens).toBeGreaterThan(3);
  });

  it('fails if the model id is unknown, with AWS text', async () => {
    await expect(converse({ modelId: 'anthropic.claude-9', messages: ask('hi') })).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'The provided model identifier is invalid.',
    });
  });

  it('fails if a profile-only model is invoked by its bare id', async () => {
    await expect(converse({ modelId: SONNET, messages: ask('hi') })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('with on-demand throughput isn’t supported'),
    });
  });

  it('accepts foundation model and inference profile ARNs of its region only', async () => {
    const ok = await bedrock.client.send(
      new ConverseCommand({ modelId: `arn:aws:bedrock:${region}::foundation-model/${HAIKU}`, messages: ask('hi') }),
    );
    expect(ok.stopReason).toBe('end_turn');
    const profile = `arn:aws:bedrock:${region}:000000000000:inference-profile/us.${SONNET}`;
    expect((await converse({ modelId: profile, messages: ask('hi') })).stopReason).toBe('end_turn');
    await expect(converse({ modelId: `arn:aws:bedrock:eu-west-1::foundation-model/${HAIKU}`, messages: ask('hi') })).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('fails if the conversation does not start with a user message', async () => {
    await expect(converse({ modelId: HAIKU, messages: [{ role: 'assistant', content: [{ text: 'hi' }] }] })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('must start with a user message'),
    });
  });

  it('fails if the prompt is over the context window', async () => {
    await expect(converse({ modelId: 'meta.llama3-8b-instruct-v1:0', messages: ask('word '.repeat(9000)) })).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Input is too long for requested model.',
    });
  });

  it('fails if an inference setting is out of its range, with AWS text', async () => {
    const refused = (inferenceConfig: object) =>
      converse({ modelId: HAIKU, messages: ask('hi'), inferenceConfig }).catch((error: Error) => error);
    expect(await refused({ maxTokens: 0 })).toMatchObject({
      name: 'ValidationException',
      message:
        "1 validation error detected: Value '0' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1",
    });
    expect(await refused({ temperature: 99 })).toMatchObject({
      name: 'ValidationException',
      message:
        "1 validation error detected: Value '99.0' at 'inferenceConfig.temperature' failed to satisfy constraint: Member must have value less than or equal to 1",
    });
    expect(await refused({ topP: -0.5 })).toMatchObject({
      message:
        "1 validation error detected: Value '-0.5' at 'inferenceConfig.topP' failed to satisfy constraint: Member must have value greater than or equal to 0",
    });
  });

  it('fails if Converse is asked of an embedding model', async () => {
    await expect(converse({ modelId: 'amazon.titan-embed-text-v2:0', messages: ask('hi') })).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('says at start-up where the answers come from', () => {
    expect(bedrock.runtime.bedrock.describe()).toBe(
      '  models: Bedrock Runtime answers are simulated (SWITCHYARD_MODELS=meta.llama3-1-8b-*=simulated?throttle=1, amazon.nova-micro-*=simulated?error=1, us.*=simulated?unavailable=1, simulated)',
    );
  });

  it("fails if the model's route throttles, with ThrottlingException", async () => {
    await expect(converse({ modelId: 'meta.llama3-1-8b-instruct-v1:0', messages: ask('hi') })).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 429 },
    });
  });

  it("fails if the model's route errs, with ModelErrorException naming the model", async () => {
    await expect(converse({ modelId: 'amazon.nova-micro-v1:0', messages: ask('hi') })).rejects.toMatchObject({
      name: 'ModelErrorException',
      resourceName: 'amazon.nova-micro-v1:0',
      $metadata: { httpStatusCode: 424 },
    });
  });

  it('routes by the profile id asked for: fails if that route is unavailable, with ServiceUnavailableException', async () => {
    await expect(converse({ modelId: `us.${SONNET}`, messages: ask('hi') })).rejects.toMatchObject({
      name: 'ServiceUnavailableException',
      $metadata: { httpStatusCode: 503 },
    });
    expect((await converse({ modelId: `global.${SONNET}`, messages: ask('hi') })).stopReason).toBe('end_turn');
  });

  it('fails if a native body misses a required key', async () => {
    await expect(
      bedrock.client.send(
        new InvokeModelCommand({ modelId: HAIKU, body: JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', messages: [] }) }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('required key [max_tokens] not found') });
  });
});
