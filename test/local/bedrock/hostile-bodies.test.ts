import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { BedrockService } from '../../../local/bedrock/bedrock-service.js';
import { CATALOGUE } from '../../../local/bedrock/catalogue.js';
import { kindOf } from '../../../local/bedrock/model-ids.js';
import { parseModelSettings } from '../../../local/bedrock/model-settings.js';
import { AwsError } from '../../../local/endpoint/aws-error.js';
import { systemClock } from '../../../local/time/clock.js';

/** Bodies of the wrong shape at every level a family reads: each must be refused as bad input, never crash the service. */
const HOSTILE: readonly unknown[] = [
  {},
  [],
  'text',
  42,
  null,
  { prompt: 5, inputText: [], messages: 'hi', texts: 'a', message: {}, taskType: 7 },
  { messages: [null, 3, 'x'], max_tokens: 'many', tools: 'all', tool_choice: 9 },
  { messages: [{ role: 'user', content: { nested: true } }], tools: [null, { function: 'x' }] },
  { inputText: 'x', textGenerationConfig: 'hot', dimensions: '256', embeddingTypes: 'float' },
  { texts: [{}], input_type: 'search_document', embedding_types: 'float', output_dimension: '512' },
  { taskType: 'TEXT_IMAGE', textToImageParams: 'x', imageGenerationConfig: [] },
  { taskType: 'TEXT_IMAGE', textToImageParams: { text: 'x' }, imageGenerationConfig: { width: 'wide', height: -1, numberOfImages: 0.5 } },
  { taskType: 'INPAINTING', inPaintingParams: { image: 12 } },
  { taskType: 'IMAGE_VARIATION', imageVariationParams: { images: ['bm90IGEgcG5n'] } },
  { prompt: 'x', aspect_ratio: 1, output_format: {}, seed: -1, mode: 'image-to-image' },
  { text_prompts: 'x', steps: 'many', width: 'wide', init_image: 5 },
  { text_prompts: [null, { text: 5 }, { weight: 'heavy' }], style_preset: {}, samples: 1.5 },
  { text_prompts: [{ text: 'x' }], init_image: 'AAAA', mask_source: 'MASK_IMAGE_WHITE', image_strength: '1' },
  { message: 'x', chat_history: [null, 'x', { role: 'CHATBOT' }], tools: [{ parameter_definitions: 'x' }], documents: 'd' },
  { taskType: 'SINGLE_EMBEDDING', singleEmbeddingParams: { embeddingDimension: 3072 } },
  { anthropic_version: 'bedrock-2023-05-31', max_tokens: 10, messages: [{ role: 'user', content: [null, 4] }] },
];

/** Converse bodies of the wrong shape. */
const CONVERSE_HOSTILE: readonly Record<string, unknown>[] = [
  {},
  { messages: 'hi' },
  { messages: [null] },
  { messages: [{ role: 'user', content: [null, 3] }] },
  { messages: [{ role: 'user', content: [{ text: 'x' }] }], system: [null], toolConfig: { tools: [null, 'x'] } },
  {
    messages: [{ role: 'user', content: [{ toolResult: null }] }],
    toolConfig: { tools: [{ toolSpec: { name: 'x', inputSchema: { json: {} } } }], toolChoice: 5 },
  },
  { messages: [{ role: 'user', content: [{ text: 'x' }] }], inferenceConfig: { maxTokens: 'ten', stopSequences: 'stop' } },
];

describe('the local Bedrock given hostile native bodies', () => {
  it('refuses each as bad input (a 4xx AWS error) or answers it, for every model it serves, and never crashes', async () => {
    const bedrock = new BedrockService({
      routes: parseModelSettings('simulated?eol=serve&latency=0..0'),
      region: 'us-east-1',
      clock: systemClock,
      log: () => {},
      callsDb: new DatabaseSync(':memory:'),
    });
    const served = CATALOGUE.filter((model) => kindOf(model) !== 'none');
    const crashes: string[] = [];
    for (const model of served) {
      const modelId = model.onDemand ? model.id : `${model.profiles[0]}.${model.id}`;
      for (const body of HOSTILE) {
        const raw = Buffer.from(JSON.stringify(body));
        for (const call of [() => bedrock.invokeModel(modelId, raw, undefined), () => bedrock.invokeModelStream(modelId, raw, undefined)]) {
          await call().catch((error: unknown) => {
            if (!(error instanceof AwsError) || error.status >= 500) crashes.push(`${modelId} ${JSON.stringify(body)}: ${String(error)}`);
          });
        }
      }
    }
    for (const model of served.filter((candidate) => kindOf(candidate) === 'chat')) {
      const modelId = model.onDemand ? model.id : `${model.profiles[0]}.${model.id}`;
      for (const body of CONVERSE_HOSTILE) {
        for (const call of [() => bedrock.converse(modelId, body), () => bedrock.converseStream(modelId, body)]) {
          await call().catch((error: unknown) => {
            if (!(error instanceof AwsError) || error.status >= 500) crashes.push(`${modelId} ${JSON.stringify(body)}: ${String(error)}`);
          });
        }
      }
    }
    expect(crashes).toEqual([]);
  }, 120_000);
});
