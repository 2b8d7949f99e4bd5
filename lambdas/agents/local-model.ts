import type { ModelAnswer, ResearchModel } from './research.js';

/**
 * A deterministic stand-in for a language model (no network): the same prompt to the
 * same model always gives the same answer, with tokens counted as words.
 */
export class LocalResearchModel implements ResearchModel {
  async complete({ modelId, prompt }: { readonly modelId: string; readonly prompt: string }): Promise<ModelAnswer> {
    const text = `(${modelId}) ${prompt.replace(/\s+/g, ' ').slice(0, 200)}`;
    return { text, inputTokens: words(prompt), outputTokens: words(text) };
  }

  /** The answer is the model id and at most 200 characters of the prompt: 1 + 100 words at most. */
  estimateTokens({ prompt }: { readonly modelId: string; readonly prompt: string }): number {
    return words(prompt) + MAX_ANSWER_WORDS;
  }
}

const MAX_ANSWER_WORDS = 101;

function words(text: string): number {
  return text.split(/\s+/).filter((w) => w.length > 0).length;
}
