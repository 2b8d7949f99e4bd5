import { type BedrockRuntimeClient, ConverseCommand, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModelCallsPage, READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import type { LocalRuntime } from '../../../local/runtime.js';
import { runCli } from '../../cli/run-cli.js';
import { startBedrockRuntime } from './bedrock-runtime.js';

const SDXL = 'stability.stable-diffusion-xl-v1';
const CANVAS = 'amazon.nova-canvas-v1:0';
const EMBED = 'amazon.titan-embed-text-v2:0';
const QWEN = 'qwen.qwen3-32b-v1:0';
const prompt = (steps: number) => ({ text_prompts: [{ text: 'a lighthouse' }], steps });

describe('image, embedding and open-weight model calls in the model calls of a run (read API and switchyard cost --local)', () => {
  let runtime: LocalRuntime;
  let client: BedrockRuntimeClient;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ runtime, client, stop } = await startBedrockRuntime(
      'amazon.nova-canvas-*=simulated?eol=serve,stability.stable-image-ultra-*=simulated?throttle=1,simulated',
    ));
    const invoke = (modelId: string, body: unknown) => client.send(new InvokeModelCommand({ modelId, body: JSON.stringify(body) }));
    await invoke(SDXL, prompt(30));
    await invoke(SDXL, prompt(50));
    await invoke(SDXL, prompt(51));
    await invoke(CANVAS, {
      taskType: 'TEXT_IMAGE',
      textToImageParams: { text: 'a lighthouse' },
      imageGenerationConfig: { width: 1280, height: 1280, numberOfImages: 2, quality: 'premium' },
    });
    await invoke(EMBED, { inputText: 'an invoice from the lighthouse keeper' });
    await invoke('stability.stable-image-ultra-v1:1', { prompt: 'x' }).catch(() => undefined);
    await client.send(new ConverseCommand({ modelId: QWEN, messages: [{ role: 'user', content: [{ text: 'Summarise the invoice.' }] }] }));
    // Refused for its body: as a chat body refused, never recorded.
    await invoke(SDXL, { text_prompts: [] }).catch(() => undefined);
  });

  afterAll(() => stop?.());

  it('lists each image call with its images and price tier, an embedding call with its input tokens, a faulted call with its error', async () => {
    const { calls } = (await (await fetch(`${runtime.url}${READ_API_PREFIX}${READ_API_PATHS.modelCalls}`)).json()) as ModelCallsPage;
    expect(calls.map((c) => [c.model, c.images, c.imageTier, c.error])).toEqual([
      [QWEN, undefined, undefined, undefined],
      ['stability.stable-image-ultra-v1:1', undefined, undefined, 'ThrottlingException'],
      [EMBED, undefined, undefined, undefined],
      [CANVAS, 2, 'premium.2048', undefined],
      [SDXL, 1, 'premium', undefined],
      [SDXL, 1, 'standard', undefined],
      [SDXL, 1, 'standard', undefined],
    ]);
    expect(calls[2]?.inputTokens).toBeGreaterThan(0);
  });

  it('prices SDXL per image at its tier, embeddings and Qwen per token, and names an image tier the table has no price for', async () => {
    const result = await runCli(['cost', '--local', '--endpoint', runtime.url, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const { models } = JSON.parse(result.stdout) as {
      models: { model: string; images: number; inputTokens: number; outputTokens: number; usd?: number }[];
    };
    const of = (model: string) => models.find((m) => m.model === model);
    // Two standard images at $0.04 and one premium at $0.08 (aws.amazon.com/bedrock/pricing, SDXL 1.0).
    expect(of(SDXL)?.images).toBe(3);
    expect(of(SDXL)?.usd).toBeCloseTo(0.16, 10);
    expect(of(EMBED)?.usd).toBeGreaterThan(0);
    // Qwen3 32B: $0.15 per million input tokens and $0.60 per million output tokens.
    const qwen = of(QWEN);
    expect(qwen?.usd).toBeCloseTo(((qwen?.inputTokens ?? 0) * 0.15 + (qwen?.outputTokens ?? 0) * 0.6) / 1e6, 12);
    expect(qwen?.usd).toBeGreaterThan(0);
    expect(of(CANVAS)).toMatchObject({ images: 2 });
    expect(of(CANVAS)?.usd).toBeUndefined();
    const text = await runCli(['cost', '--local', '--endpoint', runtime.url]);
    expect(text.stdout).toMatch(/IMAGES/);
    expect(text.stdout).toMatch(/amazon\.nova-canvas-v1:0 .* 2 +no price/);
  });
});
