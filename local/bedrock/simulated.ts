import { compileModel } from '../apigateway/rest-api-model.js';
import { exampleOf } from '../events/schema-example.js';
import { type AnswerBlock, blocksText, type ModelAnswer, type ModelRequest, type ToolSpec } from './conversation.js';
import { digestOf } from './digest.js';
import { cosine, lexicalEmbedding } from './lexical-embedding.js';
import type { StreamPiece } from './stream-relay.js';
import { exampleJson } from './structured-output.js';
import { firstTokens } from './tokens.js';

/** Where a model's answers come from (SWITCHYARD_MODELS): the simulated one, fixtures, an OpenAI-compatible server, Bedrock. */
export interface ModelBackend {
  /** How the start-up report and the log name it, e.g. `simulated`. */
  readonly name: string;
  /** `call.requested`: the id the caller asked for (a profile id or an ARN), which real Bedrock needs. */
  answer(request: ModelRequest, call?: ModelCall): Promise<ModelAnswer>;
  /**
   * Streams the answer, for ConverseStream: resolves once the backend has accepted the call
   * (so refusing it is still an HTTP error), then yields its parts as they come.
   */
  stream?(request: ModelRequest, call?: ModelCall): Promise<AsyncIterable<StreamPiece>>;
}

/** What a call carries besides its request: not part of what fixtures match on. */
export interface ModelCall {
  readonly requested: string;
}

/** A uniform latency range in milliseconds. */
export interface LatencyRange {
  readonly min: number;
  readonly max: number;
}

/**
 * The default backend: the same request gets the same answer, with nothing to set up.
 * A forced tool (toolChoice `any` or `tool`) gets a call with an input its schema accepts
 * (the smallest example of the schema: its required members); otherwise the answer is a
 * text that names the model and quotes the last user text (one grounded in search results,
 * as RetrieveAndGenerate's is: the sentence of them closest to the question), or, when the request has an
 * output schema (structured outputs), the smallest JSON value the schema accepts; either is
 * cut at maxTokens or at the first stop sequence it holds. It waits a latency drawn from
 * `latency` (uniform).
 */
export class SimulatedBackend implements ModelBackend {
  readonly name = 'simulated';
  constructor(private readonly latency: LatencyRange = { min: 1, max: 5 }) {}

  async answer(request: ModelRequest): Promise<ModelAnswer> {
    const digest = digestOf({ m: request.modelId, s: request.system, r: request.messages, t: request.tools }).slice(0, 12);
    const wait = this.latency.min + (Number.parseInt(digest.slice(0, 6), 16) / 0xffffff) * (this.latency.max - this.latency.min);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const forced = forcedTool(request);
    if (forced)
      return {
        content: [{ toolUse: { toolUseId: `tooluse_${digest}`, name: forced.name, input: toolInput(forced) } }],
        stopReason: 'tool_use',
      };
    return textAnswer(request, digest);
  }
}

function forcedTool(request: ModelRequest): ToolSpec | undefined {
  const choice = request.toolChoice;
  if (!choice || choice.kind === 'auto') return undefined;
  // After a tool's result, the forced call has been made: a model answers the result.
  const last = request.messages.at(-1);
  if (last?.content.some((block) => 'toolResult' in block)) return undefined;
  return choice.kind === 'tool' ? request.tools.find((tool) => tool.name === choice.name) : request.tools[0];
}

/** The smallest input the tool's schema accepts (an empty object when no example can be built, or it fails the schema). */
export function toolInput(tool: ToolSpec): unknown {
  const example = exampleOf(tool.inputSchema) ?? {};
  return compileModel(tool.inputSchema).check(example) ? example : {};
}

function textAnswer(request: ModelRequest, digest: string): ModelAnswer {
  let text = request.outputSchema ? exampleJson(request.outputSchema.schema) : proseAnswer(request, digest);
  let stopReason: ModelAnswer['stopReason'] = 'end_turn';
  for (const stop of request.stopSequences) {
    const at = stop === '' ? -1 : text.indexOf(stop);
    if (at >= 0) {
      text = text.slice(0, at);
      stopReason = 'stop_sequence';
    }
  }
  if (request.maxTokens !== undefined) {
    const cut = firstTokens(text, request.maxTokens);
    if (cut !== text) {
      text = cut;
      stopReason = 'max_tokens';
    }
  }
  const content: AnswerBlock[] = [{ text }];
  return { content, stopReason };
}

function proseAnswer(request: ModelRequest, digest: string): string {
  const lastUser = [...request.messages].reverse().find((m) => m.role === 'user');
  const grounded = groundedAnswer(blocksText(request.system), blocksText(lastUser?.content ?? []));
  if (grounded !== undefined) return grounded;
  const said = blocksText(lastUser?.content ?? [])
    .replace(/\s+/g, ' ')
    .trim();
  const quoted = said.length > 80 ? `${said.slice(0, 77)}...` : said;
  return `Simulated answer of ${request.modelId} to "${quoted}" (request ${digest}).`;
}

const SEARCH_RESULTS = /<search_results>([\s\S]*?)<\/search_results>/;

/**
 * A request grounded in search results (a knowledge base's RetrieveAndGenerate puts them in
 * `<search_results>`, in the system prompt or the user's turn): answered with the sentence of
 * the results lexically closest to the question, or Bedrock's refusal when there are none, so
 * the answer (and its citations) come from the document that holds it.
 */
function groundedAnswer(system: string, user: string): string | undefined {
  const results = SEARCH_RESULTS.exec(system) ?? SEARCH_RESULTS.exec(user);
  if (!results) return undefined;
  const question = user.replace(SEARCH_RESULTS, ' ');
  const sentences = [...(results[1] ?? '').matchAll(/<content>([\s\S]*?)<\/content>/g)].flatMap(
    (content) => (content[1] ?? '').match(/[^.!?\n]+[.!?]*/g)?.map((sentence) => sentence.trim()) ?? [],
  );
  const asked = lexicalEmbedding(question, 512);
  let best: { sentence: string; score: number } | undefined;
  for (const sentence of sentences) {
    const score = cosine(asked, lexicalEmbedding(sentence, 512));
    if (sentence !== '' && (best === undefined || score > best.score)) best = { sentence, score };
  }
  return best === undefined || best.score <= 0 ? 'Sorry, I am unable to assist you with this request.' : best.sentence;
}
