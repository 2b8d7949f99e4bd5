import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { ConverseModel } from 'switchyard-cdk/kit';
import type { ModelAnswer, ResearchModel } from './research.js';

/** The longest answer a sub-task gets: what a call asks for and reserves beside its prompt. */
export const MAX_ANSWER_TOKENS = 100;

/**
 * The research flow's models on Bedrock, through the kit's ConverseModel: on AWS the model
 * the graph names (its function is granted it), under `switchyard dev` or `npm start` the
 * local Bedrock (simulated unless SWITCHYARD_MODELS says otherwise). Errors are the kit's:
 * ModelThrottled and ModelUnavailable, which the graph retries.
 */
export class BedrockResearchModel implements ResearchModel {
  readonly #models = new Map<string, ConverseModel>();

  constructor(private readonly client: BedrockRuntimeClient) {}

  async complete({ modelId, prompt }: { readonly modelId: string; readonly prompt: string }): Promise<ModelAnswer> {
    let model = this.#models.get(modelId);
    if (model === undefined) {
      model = new ConverseModel({ client: this.client, modelId, maxTokens: MAX_ANSWER_TOKENS, temperature: 0 });
      this.#models.set(modelId, model);
    }
    const answer = await model.generate({ prompt });
    const { inputTokens, cacheReadInputTokens, cacheWriteInputTokens, outputTokens } = answer.usage;
    return { text: answer.text, inputTokens: inputTokens + cacheReadInputTokens + cacheWriteInputTokens, outputTokens };
  }

  /**
   * What a call reserves before it is made: half a token a character of the prompt (English
   * runs at about a quarter; the reservation settles to the usage the model reports either
   * way) and the longest answer it asks for.
   */
  estimateTokens({ prompt }: { readonly modelId: string; readonly prompt: string }): number {
    return Math.ceil(prompt.length / 2) + MAX_ANSWER_TOKENS;
  }
}
