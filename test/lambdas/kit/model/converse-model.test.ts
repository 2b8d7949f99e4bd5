import type { BedrockRuntimeClient, ConverseCommandInput, ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { ERROR_NAMES } from '../../../../contracts/wiring.js';
import { isPermanent } from '../../../../lambdas/kit/errors.js';
import { throttleOf } from '../../../../lambdas/kit/flow-control/pause.js';
import { ConverseModel, defineTool } from '../../../../lambdas/kit/model/index.js';

/** A client that answers each call with the next of `answers` (an error is thrown), recording the requests. */
function fakeClient(answers: (Partial<ConverseCommandOutput> | Error)[]) {
  const requests: ConverseCommandInput[] = [];
  const client = {
    send: async (command: { input: ConverseCommandInput }) => {
      requests.push(structuredClone(command.input));
      const answer = answers.shift();
      if (answer === undefined) throw new Error('no answer left');
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as BedrockRuntimeClient;
  return { client, requests };
}

const usage = (input: number, output: number, cacheRead = 0) => ({
  inputTokens: input,
  outputTokens: output,
  totalTokens: input + output,
  cacheReadInputTokens: cacheRead,
  cacheWriteInputTokens: 0,
});

const text = (t: string, u = usage(10, 5)): Partial<ConverseCommandOutput> => ({
  output: { message: { role: 'assistant', content: [{ text: t }] } },
  stopReason: 'end_turn',
  usage: u,
  metrics: { latencyMs: 42 },
});

const toolCall = (name: string, input: unknown, id = 't1'): Partial<ConverseCommandOutput> => ({
  output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: id, name, input: input as never } }] } },
  stopReason: 'tool_use',
  usage: usage(20, 8),
  metrics: { latencyMs: 30 },
});

function serviceError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from the service`), { name, $metadata: { httpStatusCode: status } });
}

const Route = Type.Object({
  queue: Type.Union([Type.Literal('billing'), Type.Literal('technical')]),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
});

/** A forced route_ticket call, the fake model answering `answer`. */
const routeTicket = (answer: Partial<ConverseCommandOutput>) =>
  new ConverseModel({ client: fakeClient([answer]).client, modelId: 'm' }).structured({
    prompt: 'x',
    name: 'route_ticket',
    description: 'd',
    schema: Route,
  });

describe('ConverseModel', () => {
  it('sends the system prompt, the prompt and the inference settings, and returns the text with the usage and latency the model reported', async () => {
    const { client, requests } = fakeClient([text('Hello', usage(12, 3, 7))]);
    const model = new ConverseModel({
      client,
      modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      temperature: 0,
      serviceTier: 'flex',
    });
    const answer = await model.generate({ system: 'Be brief.', prompt: 'Hi', maxTokens: 50, stopSequences: ['END'] });
    expect(answer).toMatchObject({ text: 'Hello', stopReason: 'end_turn', latencyMs: 42 });
    expect(answer.usage).toEqual({ inputTokens: 12, outputTokens: 3, totalTokens: 15, cacheReadInputTokens: 7, cacheWriteInputTokens: 0 });
    expect(requests[0]).toEqual({
      modelId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
      system: [{ text: 'Be brief.' }],
      inferenceConfig: { maxTokens: 50, temperature: 0, stopSequences: ['END'] },
      serviceTier: { type: 'flex' },
    });
  });

  it('puts cache points after the system prompt and the tools when asked to cache the prompt', async () => {
    const { client, requests } = fakeClient([text('ok')]);
    const lookup = defineTool({
      name: 'lookup',
      description: 'Looks up an order',
      input: Type.Object({ id: Type.String() }),
      run: () => ({}),
    });
    await new ConverseModel({ client, modelId: 'm', cachePrompt: true }).generate({ system: 'S', prompt: 'P', tools: [lookup] });
    expect(requests[0]?.system).toEqual([{ text: 'S' }, { cachePoint: { type: 'default' } }]);
    expect(requests[0]?.toolConfig?.tools?.at(-1)).toEqual({ cachePoint: { type: 'default' } });
    expect(requests[0]?.toolConfig?.toolChoice).toEqual({ auto: {} });
  });

  it('returns structured output from a forced tool, checked against its TypeBox schema', async () => {
    const { client, requests } = fakeClient([toolCall('route_ticket', { queue: 'billing', confidence: 0.9 })]);
    const result = await new ConverseModel({ client, modelId: 'm' }).structured({
      prompt: 'Charged twice',
      name: 'route_ticket',
      description: 'Route the ticket',
      schema: Route,
    });
    expect(result.output).toEqual({ queue: 'billing', confidence: 0.9 });
    expect(requests[0]?.toolConfig?.toolChoice).toEqual({ tool: { name: 'route_ticket' } });
    expect(requests[0]?.toolConfig?.tools?.[0]?.toolSpec?.inputSchema?.json).toMatchObject({
      type: 'object',
      required: ['queue', 'confidence'],
    });
  });

  it('fails if the model answers a forced tool with an input its schema refuses, naming why (ModelOutputInvalid)', async () => {
    await expect(routeTicket(toolCall('route_ticket', { queue: 'sales', confidence: 2 }))).rejects.toMatchObject({
      name: ERROR_NAMES.modelOutputInvalid,
      message: expect.stringMatching(/schema refuses.*confidence/),
    });
  });

  it('fails if the model does not call the forced tool at all (ModelOutputInvalid)', async () => {
    await expect(routeTicket(text('I would say billing'))).rejects.toMatchObject({
      name: ERROR_NAMES.modelOutputInvalid,
      message: expect.stringContaining('did not call route_ticket'),
    });
  });

  it('runs the tools the model asks for until its final answer, summing the usage of every call', async () => {
    const { client, requests } = fakeClient([toolCall('lookup', { id: 'O-1' }), text('O-1 shipped yesterday', usage(40, 6))]);
    const seen: unknown[] = [];
    const lookup = defineTool({
      name: 'lookup',
      description: 'Looks up an order',
      input: Type.Object({ id: Type.String() }),
      run: (input) => {
        seen.push(input);
        return { status: 'shipped' };
      },
    });
    const result = await new ConverseModel({ client, modelId: 'm' }).runTools({ prompt: 'Where is O-1?', tools: [lookup] });
    expect(result).toMatchObject({ text: 'O-1 shipped yesterday', steps: 2 });
    expect(result.usage.totalTokens).toBe(28 + 46);
    expect(seen).toEqual([{ id: 'O-1' }]);
    expect(requests[1]?.messages?.at(-1)).toEqual({
      role: 'user',
      content: [{ toolResult: { toolUseId: 't1', status: 'success', content: [{ json: { status: 'shipped' } }] } }],
    });
  });

  it('answers a tool call whose input breaks the schema with an error result, without running the tool', async () => {
    const { client, requests } = fakeClient([toolCall('lookup', { id: 7 }), text('sorry')]);
    let ran = false;
    const lookup = defineTool({ name: 'lookup', description: 'd', input: Type.Object({ id: Type.String() }), run: () => (ran = true) });
    await new ConverseModel({ client, modelId: 'm' }).runTools({ prompt: 'x', tools: [lookup] });
    expect(ran).toBe(false);
    expect(requests[1]?.messages?.at(-1)?.content?.[0]?.toolResult).toMatchObject({
      status: 'error',
      content: [{ json: { error: expect.stringContaining("breaks lookup's schema") } }],
    });
  });

  it('fails if the model is still calling tools at the step limit (ModelStepLimit, permanent)', async () => {
    const { client } = fakeClient([toolCall('lookup', { id: 'a' }), toolCall('lookup', { id: 'b' }), toolCall('lookup', { id: 'c' })]);
    const lookup = defineTool({ name: 'lookup', description: 'd', input: Type.Object({ id: Type.String() }), run: () => ({}) });
    const error = await new ConverseModel({ client, modelId: 'm' })
      .runTools({ prompt: 'x', tools: [lookup], maxSteps: 2 })
      .catch((e: Error) => e);
    expect(error).toMatchObject({ name: ERROR_NAMES.modelStepLimit });
    expect(isPermanent(error as Error)).toBe(true);
  });

  it('fails with ModelThrottled when Bedrock throttles, keeping the answer as its cause so flow control pauses the key', async () => {
    const { client } = fakeClient([serviceError('ThrottlingException', 429)]);
    const error = (await new ConverseModel({ client, modelId: 'm' }).generate({ prompt: 'x' }).catch((e: Error) => e)) as Error;
    expect(error.name).toBe(ERROR_NAMES.modelThrottled);
    expect(isPermanent(error)).toBe(false);
    expect((error.cause as Error).name).toBe('ThrottlingException');
    expect(throttleOf(error)).toBeDefined();
  });

  it('classifies the service failing as retryable (ModelUnavailable) and a refused request as permanent (ModelRequestInvalid)', async () => {
    const { client } = fakeClient([serviceError('ServiceUnavailableException', 503), serviceError('ValidationException', 400)]);
    const model = new ConverseModel({ client, modelId: 'm' });
    const unavailable = (await model.generate({ prompt: 'x' }).catch((e: Error) => e)) as Error;
    const refused = (await model.generate({ prompt: 'x' }).catch((e: Error) => e)) as Error;
    expect([unavailable.name, isPermanent(unavailable)]).toEqual([ERROR_NAMES.modelUnavailable, false]);
    expect([refused.name, isPermanent(refused)]).toEqual([ERROR_NAMES.modelRequestInvalid, true]);
  });

  it("fails if a tool is named against Bedrock's rule, when it is defined", () => {
    expect(() => defineTool({ name: 'look up', description: 'd', input: Type.Object({}) })).toThrow(/tool name "look up"/);
  });
});
