import { validationError } from '../../endpoint/aws-error.js';
import type { BedrockService } from '../bedrock-service.js';
import { cosine, lexicalEmbedding } from '../lexical-embedding.js';
import type { Match } from './vector-index.js';

/** `$search_results$` as the prompt carries them: numbered, each in its tags, which the simulated backend reads back. */
export function searchResults(matches: readonly Match[]): string {
  const results = matches.map((m, i) => `<search_result>\n<source>${i + 1}</source>\n<content>${m.content}</content>\n</search_result>`);
  return `<search_results>\n${results.join('\n')}\n</search_results>`;
}

/** The local runtime's prompt when RetrieveAndGenerate gives none: Bedrock's default one's instructions, its placeholders filled. */
const DEFAULT_TEMPLATE = `You are a question answering agent. I will provide you with a set of search results. The user will provide you with a question. Your job is to answer the user's question using only information from the search results. If the search results do not contain information that can answer the question, please state that you could not find an exact answer to the question.

Here are the search results in numbered order:
$search_results$`;

/** A part of the answer and the retrieved chunks it is drawn from. */
export interface Citation {
  readonly generatedResponsePart: {
    readonly textResponsePart: { readonly text: string; readonly span: { readonly start: number; readonly end: number } };
  };
  readonly retrievedReferences: readonly Match[];
}

export interface GenerationRequest {
  readonly modelArn: string;
  readonly query: string;
  readonly matches: readonly Match[];
  /** `generationConfiguration.promptTemplate.textPromptTemplate`, with `$search_results$` (and `$query$`, optionally). */
  readonly template?: string;
  readonly inference?: {
    readonly maxTokens?: number;
    readonly temperature?: number;
    readonly topP?: number;
    readonly stopSequences?: string[];
  };
}

/**
 * Generates RetrieveAndGenerate's answer with the local Bedrock's backend for the model
 * (Converse: the prompt template with the search results as the system prompt, the query as
 * the user's turn, or the template alone as the user's turn when it places `$query$`
 * itself), then cites: each sentence of the answer is a part whose references are the
 * retrieved chunks lexically closest to it (those within 0.1 of the best, when the best is
 * above 0.2), where Bedrock has the model name its sources.
 */
export async function generate(bedrock: BedrockService, request: GenerationRequest): Promise<{ text: string; citations: Citation[] }> {
  const template = request.template ?? DEFAULT_TEMPLATE;
  if (!template.includes('$search_results$')) {
    throw validationError('The prompt template must contain the $search_results$ placeholder.');
  }
  const filled = template.replaceAll('$search_results$', searchResults(request.matches)).replaceAll('$output_format_instructions$', '');
  const placesQuery = filled.includes('$query$');
  const inference = request.inference ?? {};
  const answer = await bedrock.converse(request.modelArn, {
    ...(placesQuery ? {} : { system: [{ text: filled }] }),
    messages: [{ role: 'user', content: [{ text: placesQuery ? filled.replaceAll('$query$', request.query) : request.query }] }],
    ...(Object.keys(inference).length === 0 ? {} : { inferenceConfig: inference }),
  });
  const content = ((answer.output as { message: { content: { text?: string }[] } }).message.content ?? []) as { text?: string }[];
  const text = content.map((block) => block.text ?? '').join('');
  return { text, citations: cite(text, request.matches) };
}

function cite(text: string, matches: readonly Match[]): Citation[] {
  const vectors = matches.map((m) => lexicalEmbedding(m.content, 512));
  const citations: Citation[] = [];
  for (const sentence of text.matchAll(/[^.!?\n]+[.!?]*/g)) {
    const part = sentence[0].trim();
    if (part === '') continue;
    const start = (sentence.index ?? 0) + sentence[0].indexOf(part);
    const vector = lexicalEmbedding(part, 512);
    const scores = vectors.map((v) => cosine(vector, v));
    const best = Math.max(...scores, 0);
    const references = best > 0.2 ? matches.filter((_, i) => (scores[i] ?? 0) >= best - 0.1) : [];
    citations.push({
      generatedResponsePart: { textResponsePart: { text: part, span: { start, end: start + part.length - 1 } } },
      retrievedReferences: references,
    });
  }
  return citations;
}
