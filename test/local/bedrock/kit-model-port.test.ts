import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { ERROR_NAMES } from '../../../contracts/wiring.js';
import { throttleOf } from '../../../lambdas/kit/flow-control/pause.js';
import { ConverseModel } from '../../../lambdas/kit/model/index.js';
import { useBedrockRuntime } from './bedrock-runtime.js';

const SONNET = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

/** The kit's model port (what a team's handler runs) against the local Bedrock, as under switchyard dev. */
describe("the kit's ConverseModel on the local Bedrock", () => {
  const bedrock = useBedrockRuntime('amazon.nova-micro-*=simulated?throttle=1,simulated');

  it('gets structured output that its TypeBox schema accepts, with the usage the model reported, cache reads on the second call', async () => {
    const model = new ConverseModel({ client: bedrock.client, modelId: SONNET, cachePrompt: true });
    const Invoice = Type.Object({
      vendor: Type.String({ minLength: 2 }),
      total: Type.Number({ minimum: 1 }),
      currency: Type.Union([Type.Literal('EUR'), Type.Literal('USD')]),
    });
    const request = {
      system: 'Extract the fields of the invoice you are given. '.repeat(40),
      prompt: 'ACME GmbH, 120.00 EUR',
      name: 'record_invoice',
      description: 'Records the fields of one invoice',
      schema: Invoice,
    };
    const first = await model.structured(request);
    expect(['EUR', 'USD']).toContain(first.output.currency);
    expect(first.output.total).toBeGreaterThanOrEqual(1);
    expect(first.usage.inputTokens + first.usage.cacheWriteInputTokens).toBeGreaterThan(100);
    expect(first.usage.cacheWriteInputTokens).toBeGreaterThan(0);
    const second = await model.structured(request);
    expect(second.usage.cacheReadInputTokens).toBe(first.usage.cacheWriteInputTokens);
  });

  it("fails with the kit's ModelThrottled when the model throttles, its cause the ThrottlingException flow control pauses on", async () => {
    const model = new ConverseModel({ client: bedrock.client, modelId: 'amazon.nova-micro-v1:0' });
    const error = (await model.generate({ prompt: 'Hi' }).catch((e: Error) => e)) as Error;
    expect(error.name).toBe(ERROR_NAMES.modelThrottled);
    expect((error.cause as Error).name).toBe('ThrottlingException');
    expect(throttleOf(error)).toBeDefined();
  });

  it("fails with the kit's ModelRequestInvalid, permanent, for a model id Bedrock does not have", async () => {
    const error = (await new ConverseModel({ client: bedrock.client, modelId: 'anthropic.claude-nonexistent-v9:0' })
      .generate({ prompt: 'Hi' })
      .catch((e: Error) => e)) as Error;
    expect(error.name).toBe(ERROR_NAMES.modelRequestInvalid);
    expect((error.cause as Error).name).toBe('ValidationException');
  });
});
