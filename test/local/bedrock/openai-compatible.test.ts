import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModelCallsPage, READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import type { LocalRuntime } from '../../../local/runtime.js';
import { runCli } from '../../cli/run-cli.js';
import { startBedrockRuntime } from './bedrock-runtime.js';

const GPT_OSS = 'openai.gpt-oss-20b-1:0';
const GPT = 'openai.gpt-5.6-terra';
const QWEN = 'qwen.qwen3-32b-v1:0';

/** A short-term Bedrock API key as AWS's token generators write it: the base64 of a presigned CallWithBearerToken URL. */
function shortTermKey(signedAt: Date, options: { region?: string; expiresIn?: number } = {}): string {
  const stamp = signedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const scope = encodeURIComponent(`local/${stamp.slice(0, 8)}/${options.region ?? 'us-east-1'}/bedrock/aws4_request`);
  const url =
    `bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${scope}` +
    `&X-Amz-Date=${stamp}&X-Amz-Expires=${options.expiresIn ?? 43200}&X-Amz-SignedHeaders=host&X-Amz-Signature=${'0'.repeat(64)}&Version=1`;
  return `bedrock-api-key-${Buffer.from(url).toString('base64')}`;
}

const LONG_TERM_KEY = `ABSK${Buffer.from('BedrockAPIKey-abcd-at-123456789012:c2VjcmV0').toString('base64')}`;

const WEATHER_TOOL: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

const TICKET_SCHEMA = {
  type: 'object',
  properties: { category: { type: 'string', enum: ['billing', 'bug'] }, urgent: { type: 'boolean' } },
  required: ['category', 'urgent'],
  additionalProperties: false,
};

describe("Bedrock's OpenAI-compatible APIs (/openai/v1) through the openai package", () => {
  let runtime: LocalRuntime;
  let stop: () => Promise<void>;
  let openai: OpenAI;
  const client = (apiKey: string) => new OpenAI({ baseURL: `${runtime.url}/openai/v1`, apiKey, maxRetries: 0 });

  beforeAll(async () => {
    ({ runtime, stop } = await startBedrockRuntime('simulated'));
    openai = client(shortTermKey(new Date()));
  });

  afterAll(() => stop?.());

  it('answers a chat completion from the backend, with usage, and records the call with its tokens', async () => {
    const completion = await openai.chat.completions.create({
      model: GPT_OSS,
      messages: [
        { role: 'system', content: 'You triage support tickets.' },
        { role: 'user', content: 'I was charged twice for my order.' },
      ],
      temperature: 0.2,
      max_tokens: 200,
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe(GPT_OSS);
    expect(completion.choices[0]?.message.content).toContain('Simulated answer of openai.gpt-oss-20b-1:0 to "I was charged twice');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    const { calls } = (await (await fetch(`${runtime.url}${READ_API_PREFIX}${READ_API_PATHS.modelCalls}`)).json()) as ModelCallsPage;
    expect(calls[0]).toMatchObject({
      modelId: GPT_OSS,
      backend: 'simulated',
      inputTokens: completion.usage?.prompt_tokens,
      outputTokens: completion.usage?.completion_tokens,
      stopReason: 'end_turn',
    });
  });

  it('prices the calls with switchyard cost --local, as every model call', async () => {
    const result = await runCli(['cost', '--local', '--endpoint', runtime.url, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const { models } = JSON.parse(result.stdout) as { models: { model: string; calls: number; usd?: number }[] };
    const gptOss = models.find((m) => m.model === GPT_OSS);
    expect(gptOss?.calls).toBeGreaterThan(0);
    expect(gptOss?.usd).toBeGreaterThan(0);
  });

  it("records a call that sends its caller's X-Amzn-Trace-Id under that caller's segment, as switchyard trace shows it", async () => {
    const traceHeader = 'Root=1-6745f1a0-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1';
    const traced = new OpenAI({
      baseURL: `${runtime.url}/openai/v1`,
      apiKey: LONG_TERM_KEY,
      maxRetries: 0,
      defaultHeaders: { 'X-Amzn-Trace-Id': traceHeader },
    });
    await traced.responses.create({ model: GPT, input: 'Traced question' });
    const { calls } = (await (await fetch(`${runtime.url}${READ_API_PREFIX}${READ_API_PATHS.modelCalls}`)).json()) as ModelCallsPage;
    expect(calls[0]).toMatchObject({ modelId: GPT, traceHeader });
  });

  it('streams a chat completion as chunks ending with [DONE], the usage in a last chunk when include_usage asks for it', async () => {
    const messages = [{ role: 'user' as const, content: 'Stream me an answer about refunds.' }];
    const whole = await openai.chat.completions.create({ model: GPT_OSS, messages });
    const stream = await openai.chat.completions.create({
      model: GPT_OSS,
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(whole.choices[0]?.message.content);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: whole.usage });
  });

  it('calls a tool and answers its result (a tool call round trip)', async () => {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather in Lisbon?' }];
    const first = await openai.chat.completions.create({ model: GPT_OSS, messages, tools: [WEATHER_TOOL], tool_choice: 'required' });
    const choice = first.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    const call = choice?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'example' });
    const second = await openai.chat.completions.create({
      model: GPT_OSS,
      messages: [
        ...messages,
        choice?.message as OpenAI.Chat.Completions.ChatCompletionMessageParam,
        { role: 'tool', tool_call_id: call?.id ?? '', content: 'Sunny, 24 C' },
      ],
      tools: [WEATHER_TOOL],
      tool_choice: 'required',
    });
    expect(second.choices[0]?.finish_reason).toBe('stop');
    expect(second.choices[0]?.message.content).toContain('Simulated answer');
  });

  it('answers with JSON matching a response_format json_schema (structured outputs)', async () => {
    const completion = await openai.chat.completions.create({
      model: GPT_OSS,
      messages: [{ role: 'user', content: 'Classify: I was charged twice.' }],
      response_format: { type: 'json_schema', json_schema: { name: 'ticket', schema: TICKET_SCHEMA, strict: true } },
    });
    const answer = JSON.parse(completion.choices[0]?.message.content ?? '') as Record<string, unknown>;
    expect(answer.category).toBe('billing');
    expect(typeof answer.urgent).toBe('boolean');
  });

  it('answers a response (Responses API) with its output text and usage, to a long-term key as well', async () => {
    const response = await client(LONG_TERM_KEY).responses.create({
      model: GPT,
      instructions: 'You answer in one sentence.',
      input: 'Where is my parcel?',
    });
    expect(response).toMatchObject({ object: 'response', status: 'completed', model: GPT });
    expect(response.output_text).toContain(`Simulated answer of ${GPT} to "Where is my parcel?"`);
    expect(response.usage?.input_tokens).toBeGreaterThan(0);
    expect(response.usage?.output_tokens).toBeGreaterThan(0);
  });

  it('streams a response as its events, the deltas adding up to the completed text', async () => {
    const stream = await openai.responses.create({
      model: GPT,
      input: [{ role: 'user', content: 'Stream a reply about invoices.' }],
      stream: true,
    });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const types = events.map((event) => event.type);
    expect(types[0]).toBe('response.created');
    expect(types).toContain('response.output_text.delta');
    expect(types.at(-1)).toBe('response.completed');
    const deltas = events.flatMap((event) => (event.type === 'response.output_text.delta' ? [event.delta] : []));
    const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    const message = completed.response.output[0];
    expect(message?.type === 'message' && message.content[0]?.type === 'output_text' && message.content[0].text).toBe(deltas.join(''));
  });

  it('calls a function tool through the Responses API and answers its output', async () => {
    const tools: OpenAI.Responses.Tool[] = [
      { type: 'function', name: 'get_weather', parameters: WEATHER_TOOL.function.parameters ?? {}, strict: false },
    ];
    const first = await openai.responses.create({ model: GPT, input: 'Weather in Porto?', tools, tool_choice: 'required' });
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather' });
    const second = await openai.responses.create({
      model: GPT,
      input: [
        { role: 'user', content: 'Weather in Porto?' },
        call as OpenAI.Responses.ResponseFunctionToolCall,
        { type: 'function_call_output', call_id: (call as OpenAI.Responses.ResponseFunctionToolCall).call_id, output: 'Rain' },
      ],
      tools,
    });
    expect(second.output_text).toContain('Simulated answer');
  });

  it('answers a response in JSON matching text.format', async () => {
    const response = await openai.responses.create({
      model: QWEN,
      input: 'Classify: the app crashes.',
      text: { format: { type: 'json_schema', name: 'ticket', schema: TICKET_SCHEMA, strict: true } },
    });
    expect(Object.keys(JSON.parse(response.output_text))).toEqual(['category', 'urgent']);
  });

  it('says nothing of the OpenAI-compatible APIs at start-up for an app that calls no model', async () => {
    expect((await runtime.serviceReports()).flatMap((report) => report.serves ?? []).join('\n')).not.toContain('/openai/v1');
  });

  it('fails if the model is unknown, with a 404 in OpenAI error shape', async () => {
    const refused = await openai.chat.completions
      .create({ model: 'openai.gpt-nine', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e) => e);
    expect(refused).toBeInstanceOf(OpenAI.NotFoundError);
    expect(refused).toMatchObject({ status: 404, code: 'model_not_found', type: 'not_found_error', param: 'model' });
    expect(refused.message).toContain('openai.gpt-nine');
  });

  it('fails if the model is one the API does not serve (Claude on Chat Completions, GPT OSS on Responses)', async () => {
    const claude = await openai.chat.completions
      .create({ model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e) => e);
    expect(claude).toMatchObject({ status: 404, code: 'model_not_found' });
    const oss = await openai.responses.create({ model: GPT_OSS, input: 'Hi' }).catch((e) => e);
    expect(oss).toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('fails if the request carries no key and no signature, with a 401 in OpenAI error shape', async () => {
    const answer = await fetch(`${runtime.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: GPT_OSS, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(answer.status).toBe(401);
    expect(await answer.json()).toMatchObject({
      error: { type: 'authentication_error', code: 'invalid_api_key', message: expect.stringContaining('Bearer') },
    });
  });

  it('fails if the key is not a Bedrock API key, or a short-term one has expired, as Bedrock refuses them', async () => {
    const malformed = await client('sk-proj-local')
      .chat.completions.create({ model: GPT_OSS, messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e) => e);
    expect(malformed).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(malformed.message).toContain('Invalid API Key format: Must start with pre-defined prefix');
    const expired = client(shortTermKey(new Date(Date.now() - 2 * 3600_000), { expiresIn: 3600 }));
    const refused = await expired.chat.completions.create({ model: GPT_OSS, messages: [{ role: 'user', content: 'Hi' }] }).catch((e) => e);
    expect(refused).toMatchObject({ status: 403, code: 'invalid_api_key' });
    expect(refused.message).toContain('Please make sure your API Key is valid');
  });
});
