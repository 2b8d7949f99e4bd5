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
}

function words(text: string): number {
  return text.split(/\s+/).filter((w) => w.length > 0).length;
}
