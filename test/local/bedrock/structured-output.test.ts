import {
  ConverseCommand,
  type ConverseCommandInput,
  ConverseStreamCommand,
  CountTokensCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
} from '@aws-sdk/client-bedrock-runtime';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { useBedrockRuntime } from './bedrock-runtime.js';

const SONNET = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const HAIKU_45 = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
// A Claude model served here (Legacy until 2027-01-08) that does not take structured outputs.
const OPUS_41 = 'us.anthropic.claude-opus-4-1-20250805-v1:0';
const NOVA = 'amazon.nova-lite-v1:0';

/** A schema in Bedrock's subset using what flows use: nested objects, enums, a $ref, a nullable union, formats, a pattern, minItems 1. */
const ticketSchema = {
  type: 'object',
  properties: {
    summary: { type: 'string', description: 'one line' },
    priority: { type: 'string', enum: ['low', 'normal', 'urgent'] },
    customer: { $ref: '#/$defs/customer' },
    labels: { type: 'array', items: { type: 'string', pattern: '^[a-z]+(-[a-z]+)*$' }, minItems: 1 },
    dueBy: { anyOf: [{ type: 'string', format: 'date' }, { type: 'null' }] },
    escalate: { type: 'boolean' },
    score: { type: 'number' },
    kind: { const: 'ticket' },
  },
  required: ['summary', 'priority', 'customer', 'labels', 'dueBy', 'escalate', 'score', 'kind'],
  additionalProperties: false,
  $defs: {
    customer: {
      type: 'object',
      properties: { email: { type: 'string', format: 'email' }, id: { type: 'string', format: 'uuid' } },
      required: ['email', 'id'],
      additionalProperties: false,
    },
  },
};

const ajv = new Ajv2020({ strict: false });
addFormats(ajv);
const validTicket = ajv.compile(ticketSchema);

const ask = (text: string): ConverseCommandInput['messages'] => [{ role: 'user', content: [{ text }] }];

const outputConfig = (schema: unknown, name = 'ticket'): ConverseCommandInput['outputConfig'] => ({
  textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: JSON.stringify(schema), name, description: 'A ticket' } } },
});

const anthropicBody = (extra: Record<string, unknown>) =>
  JSON.stringify({
    anthropic_version: 'bedrock-2023-05-31',
    max_tokens: 500,
    messages: [{ role: 'user', content: 'Triage this' }],
    ...extra,
  });

describe('structured outputs on the simulated backend', () => {
  const bedrock = useBedrockRuntime('simulated');

  const converse = (input: Partial<ConverseCommandInput>) =>
    bedrock.client.send(new ConverseCommand({ modelId: SONNET, messages: ask('Printer on fire'), ...input }));

  it('answers Converse with JSON the outputConfig schema accepts, the same every time', async () => {
    const first = await converse({ outputConfig: outputConfig(ticketSchema) });
    const second = await converse({ outputConfig: outputConfig(ticketSchema) });
    const text = first.output?.message?.content?.[0]?.text ?? '';
    expect(first.stopReason).toBe('end_turn');
    expect(validTicket(JSON.parse(text)), JSON.stringify(validTicket.errors)).toBe(true);
    expect(second.output?.message?.content).toEqual(first.output?.message?.content);
  });

  it('counts the answer as output tokens and the schema as input, as a prompt the model reads', async () => {
    const plain = await converse({});
    const structured = await converse({ outputConfig: outputConfig(ticketSchema) });
    expect(structured.usage?.inputTokens).toBeGreaterThan((plain.usage?.inputTokens ?? 0) + 50);
    expect(structured.usage?.totalTokens).toBe((structured.usage?.inputTokens ?? 0) + (structured.usage?.outputTokens ?? 0));
    // CountTokens' converse input has no outputConfig; its invokeModel body carries output_config.
    const body = anthropicBody({ output_config: { format: { type: 'json_schema', schema: ticketSchema } } });
    const invoked = await bedrock.client.send(new InvokeModelCommand({ modelId: HAIKU_45, body }));
    const counted = await bedrock.client.send(
      new CountTokensCommand({ modelId: HAIKU_45, input: { invokeModel: { body: new TextEncoder().encode(body) } } }),
    );
    expect(counted.inputTokens).toBe(JSON.parse(Buffer.from(invoked.body).toString()).usage.input_tokens);
  });

  it('misses the prompt cache when only the schema changes, as Bedrock does', async () => {
    const system = [{ text: 'You triage tickets. '.repeat(40) }, { cachePoint: { type: 'default' as const } }];
    const other = { ...ticketSchema, properties: { ...ticketSchema.properties, team: { type: 'string' } } };
    await converse({ system, outputConfig: outputConfig(ticketSchema) });
    const same = await converse({ system, outputConfig: outputConfig(ticketSchema) });
    const changed = await converse({ system, outputConfig: outputConfig(other) });
    expect(same.usage?.cacheReadInputTokens).toBeGreaterThan(100);
    expect(changed.usage?.cacheReadInputTokens).toBe(0);
    expect(changed.usage?.cacheWriteInputTokens).toBeGreaterThan(100);
  });

  it('streams the same JSON through ConverseStream in several deltas, with the same usage', async () => {
    const whole = await converse({ outputConfig: outputConfig(ticketSchema) });
    const response = await bedrock.client.send(
      new ConverseStreamCommand({ modelId: SONNET, messages: ask('Printer on fire'), outputConfig: outputConfig(ticketSchema) }),
    );
    const deltas: string[] = [];
    let usage: unknown;
    for await (const event of response.stream ?? []) {
      if (event.contentBlockDelta?.delta?.text !== undefined) deltas.push(event.contentBlockDelta.delta.text);
      if (event.metadata) usage = event.metadata.usage;
    }
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.join('')).toBe(whole.output?.message?.content?.[0]?.text);
    expect(usage).toEqual(whole.usage);
  });

  it('answers InvokeModel with an Anthropic output_config.format, and the deprecated output_format', async () => {
    for (const extra of [
      { output_config: { format: { type: 'json_schema', schema: ticketSchema } } },
      { output_format: { type: 'json_schema', schema: ticketSchema } },
    ]) {
      const answer = await bedrock.client.send(new InvokeModelCommand({ modelId: HAIKU_45, body: anthropicBody(extra) }));
      const body = JSON.parse(Buffer.from(answer.body).toString());
      expect(body.stop_reason).toBe('end_turn');
      expect(validTicket(JSON.parse(body.content[0].text))).toBe(true);
    }
  });

  it('streams InvokeModelWithResponseStream with the JSON in its text deltas', async () => {
    const response = await bedrock.client.send(
      new InvokeModelWithResponseStreamCommand({
        modelId: HAIKU_45,
        body: anthropicBody({ output_config: { format: { type: 'json_schema', schema: ticketSchema } } }),
      }),
    );
    let text = '';
    for await (const event of response.body ?? []) {
      const chunk = JSON.parse(Buffer.from(event.chunk?.bytes ?? new Uint8Array()).toString());
      if (chunk.type === 'content_block_delta') text += chunk.delta.text;
    }
    expect(validTicket(JSON.parse(text))).toBe(true);
  });

  it('answers a forced strict tool with an input its schema accepts', async () => {
    const answer = await converse({
      toolConfig: {
        // Through JSON: the SDK's document type takes no `undefined`, which the literal's inferred union carries.
        tools: [{ toolSpec: { name: 'file_ticket', strict: true, inputSchema: { json: JSON.parse(JSON.stringify(ticketSchema)) } } }],
        toolChoice: { tool: { name: 'file_ticket' } },
      },
    });
    expect(answer.stopReason).toBe('tool_use');
    expect(validTicket(answer.output?.message?.content?.[0]?.toolUse?.input)).toBe(true);
  });

  it('cuts the JSON at maxTokens and says so, as Bedrock hands back an incomplete answer', async () => {
    const answer = await converse({ outputConfig: outputConfig(ticketSchema), inferenceConfig: { maxTokens: 5 } });
    expect(answer.stopReason).toBe('max_tokens');
    expect(answer.usage?.outputTokens).toBe(5);
    expect(() => JSON.parse(answer.output?.message?.content?.[0]?.text ?? '')).toThrow();
  });
});

describe('structured outputs refused as Bedrock refuses them', () => {
  const bedrock = useBedrockRuntime('simulated');

  const refusal = async (input: Partial<ConverseCommandInput>) => {
    const error = await bedrock.client
      .send(new ConverseCommand({ modelId: SONNET, messages: ask('hi'), ...input } as ConverseCommandInput))
      .then(
        () => undefined,
        (e: Error & { $metadata?: { httpStatusCode?: number } }) => e,
      );
    return { name: error?.name, message: error?.message, status: error?.$metadata?.httpStatusCode };
  };
  const withSchema = (schema: unknown) => refusal({ outputConfig: outputConfig(schema) });
  const object = (properties: Record<string, unknown>) => ({
    type: 'object',
    properties,
    required: Object.keys(properties),
    additionalProperties: false,
  });
  const PREFIX = 'The model returned the following errors: output_config.format.schema: ';

  it('fails if the model does not take structured outputs, in the words of its family', async () => {
    expect(await refusal({ modelId: OPUS_41, outputConfig: outputConfig(ticketSchema) })).toEqual({
      name: 'ValidationException',
      message: 'The model returned the following errors: output_config.format: Extra inputs are not permitted',
      status: 400,
    });
    expect((await refusal({ modelId: NOVA, outputConfig: outputConfig(ticketSchema) })).message).toBe(
      'Malformed input request: #: extraneous key [outputConfig] is not permitted, please reformat your input and try again.',
    );
    const invoked = await bedrock.client
      .send(
        new InvokeModelCommand({
          modelId: OPUS_41,
          body: anthropicBody({ output_config: { format: { type: 'json_schema', schema: ticketSchema } } }),
        }),
      )
      .catch((e: Error) => e);
    expect((invoked as Error).message).toBe('output_config.format: Extra inputs are not permitted');
  });

  it('fails if a schema keyword is outside the subset structured outputs compile, with the texts Bedrock answers', async () => {
    expect(await withSchema(object({ rating: { type: 'integer', minimum: 1, maximum: 5 } }))).toEqual({
      name: 'ValidationException',
      message: `${PREFIX}For 'integer' type, properties minimum, maximum are not supported`,
      status: 400,
    });
    expect((await withSchema(object({ tags: { type: 'array', items: { type: 'string' }, maxItems: 3 } }))).message).toBe(
      `${PREFIX}For 'array' type, property 'maxItems' is not supported`,
    );
    expect((await withSchema(object({ tags: { type: 'array', items: { type: 'string' }, minItems: 6 } }))).message).toBe(
      `${PREFIX}For 'array' type, 'minItems' values other than 0 or 1 are not supported (got: [6, ∞])`,
    );
    expect((await withSchema({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] })).message).toBe(
      `${PREFIX}For 'object' type, 'additionalProperties' must be explicitly set to false`,
    );
    expect((await withSchema(object({ a: { type: 'string', minLength: 1, maxLength: 9 } }))).message).toBe(
      `${PREFIX}For 'string' type, properties minLength, maxLength are not supported`,
    );
    expect((await withSchema(object({ a: { type: 'string', pattern: '^(?=x)x$' } }))).message).toBe(
      `${PREFIX}For 'string' type, property 'pattern' is not supported`,
    );
  });

  it('fails if the schema is not JSON Schema draft 2020-12, or not JSON at all', async () => {
    expect((await withSchema({ type: 'objekt' })).message).toBe(`${PREFIX}JSON schema is invalid. It must match JSON Schema draft 2020-12`);
    expect((await withSchema({ type: 'object', required: 'a' })).message).toBe(
      `${PREFIX}JSON schema is invalid. It must match JSON Schema draft 2020-12`,
    );
    const notJson = await refusal({
      outputConfig: { textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: '{"type": "object",' } } } },
    });
    expect(notJson).toEqual({
      name: 'ValidationException',
      message:
        'The format of the value at outputConfig.textFormat.structure.jsonSchema.schema is invalid. Provide a json object for the field and try again.',
      status: 400,
    });
  });

  it('fails if a $ref is recursive, external or names nothing', async () => {
    const recursive = {
      $ref: '#/$defs/node',
      $defs: {
        node: {
          type: 'object',
          properties: { children: { type: 'array', items: { $ref: '#/$defs/node' } } },
          required: ['children'],
          additionalProperties: false,
        },
      },
    };
    expect((await withSchema(recursive)).message).toBe(`${PREFIX}Recursive schemas are not supported ($ref '#/$defs/node')`);
    expect((await withSchema(object({ a: { $ref: 'https://example.com/a.json' } }))).message).toBe(
      `${PREFIX}External $ref 'https://example.com/a.json' is not supported`,
    );
    expect((await withSchema(object({ a: { $ref: '#/$defs/missing' } }))).message).toBe(
      `${PREFIX}$ref '#/$defs/missing' does not resolve within the schema`,
    );
  });

  it('fails if the schemas pass the limits on optional and union parameters', async () => {
    const optional = {
      type: 'object',
      properties: Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`p${i}`, { type: 'string' }])),
      additionalProperties: false,
    };
    expect((await withSchema(optional)).message).toBe(
      'The model returned the following errors: Schemas contains too many optional parameters (25), which would make grammar compilation inefficient. Reduce the number of optional parameters in your tool schemas (limit: 24).',
    );
    const unions = object(Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`p${i}`, { type: ['string', 'null'] }])));
    expect((await withSchema(unions)).message).toBe(
      'The model returned the following errors: Schemas contains too many parameters with union types (17 parameters with type arrays or anyOf). This causes exponential compilation cost. Reduce the number of nullable or union-typed parameters (limit: 16 parameters with unions).',
    );
  });

  it('fails if a strict tool breaks the subset, or there are more than 20', async () => {
    const tool = (name: string, json: unknown) => ({ toolSpec: { name, strict: true, inputSchema: { json } } });
    const bounded = await refusal({
      toolConfig: { tools: [tool('rate', object({ n: { type: 'number', minimum: 0 } }))] },
    } as Partial<ConverseCommandInput>);
    expect(bounded.message).toBe(
      "The model returned the following errors: tools.0.custom: For 'number' type, property 'minimum' is not supported",
    );
    const invalid = await refusal({ toolConfig: { tools: [tool('bad', { type: 'objekt' })] } } as Partial<ConverseCommandInput>);
    expect(invalid.message).toBe(
      'The model returned the following errors: tools.0.custom.input_schema: JSON schema is invalid. It must match JSON Schema draft 2020-12',
    );
    const many = await refusal({
      toolConfig: { tools: Array.from({ length: 21 }, (_, i) => tool(`t${i}`, object({ a: { type: 'string' } }))) },
    } as Partial<ConverseCommandInput>);
    expect(many.message).toBe(
      'The model returned the following errors: Too many strict tools (21). The maximum number of strict tools supported is 20. Try reducing the number of tools marked as strict.',
    );
  });

  it('fails if outputConfig misses a member or names another format type, as the API model refuses it', async () => {
    const missing = await refusal({ outputConfig: { textFormat: { type: 'json_schema' } } } as unknown as Partial<ConverseCommandInput>);
    expect(missing.message).toBe(
      "1 validation error detected: Value null at 'outputConfig.textFormat.structure' failed to satisfy constraint: Member must not be null",
    );
    const other = await refusal({
      outputConfig: { textFormat: { type: 'xml', structure: { jsonSchema: { schema: '{}' } } } },
    } as unknown as Partial<ConverseCommandInput>);
    expect(other.message).toBe(
      "1 validation error detected: Value 'xml' at 'outputConfig.textFormat.type' failed to satisfy constraint: Member must satisfy enum value set: [json_schema]",
    );
  });

  it('fails with a ValidationException, never a crash, for a schema nested past any depth it can check', async () => {
    let deep: unknown = { type: 'string' };
    for (let i = 0; i < 400; i++) deep = { type: 'array', items: deep };
    expect(await withSchema(deep)).toMatchObject({ name: 'ValidationException', status: 400 });
    const tooDeep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const answer = await refusal({ outputConfig: { textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: tooDeep } } } } });
    expect(answer).toMatchObject({ name: 'ValidationException', status: 400 });
    // The runtime still answers.
    expect((await bedrock.client.send(new ConverseCommand({ modelId: SONNET, messages: ask('still there?') }))).stopReason).toBe(
      'end_turn',
    );
  });

  it('fails InvokeModel in the Messages API words for a malformed output_config', async () => {
    const send = (extra: Record<string, unknown>) =>
      bedrock.client.send(new InvokeModelCommand({ modelId: HAIKU_45, body: anthropicBody(extra) })).then(
        () => '',
        (e: Error) => e.message,
      );
    expect(await send({ output_config: { format: { type: 'json_schema' } } })).toBe('output_config.format.schema: Field required');
    expect(await send({ output_config: { format: { type: 'text', schema: {} } } })).toBe(
      "output_config.format.type: Input should be 'json_schema'",
    );
    expect(await send({ output_format: { type: 'json_schema', schema: { type: 'object', properties: {} } } })).toBe(
      "output_format.schema: For 'object' type, 'additionalProperties' must be explicitly set to false",
    );
  });
});
