import { AwsError } from '../endpoint/aws-error.js';
import { exampleOf } from '../events/schema-example.js';
import { parseBoundedJson } from '../json/json-depth.js';
import { onFirstUse } from '../startup/on-first-use.js';
import type { ModelAnswer, ModelRequest } from './conversation.js';
import type { StreamPiece } from './stream-relay.js';

/**
 * The answer side of structured outputs. Bedrock decodes under the schema, so its answer
 * always parses and validates; here the simulated model builds a value the schema accepts,
 * `openai:` asks its server for the same with `response_format`, and whatever any backend
 * answers is checked before a caller sees it: a flow that parses the answer never gets
 * JSON that AWS could not have sent. A cut answer (`max_tokens`, a stop sequence) is let
 * through unchecked, as Bedrock lets it through incomplete.
 */

type Json = Record<string, unknown>;

/** TypeBox's JSON Schema checks, loaded at the first structured output (local/startup/on-first-use.ts): no start loads its 235 modules. */
export const typeboxSchema = onFirstUse<typeof import('typebox/schema')>('typebox/schema');

/** The error for an answer Bedrock's constrained decoding could not have given, naming what is wrong and who answered. */
const nonConforming = (backend: string, what: string, detail: string) =>
  new AwsError(
    'ModelErrorException',
    `The ${backend} backend answered ${what} that does not match the request's JSON schema (${detail}); Bedrock's structured outputs always match it.`,
    424,
  );

/**
 * The first reason `value` fails `schema`, as `<instance path> <message>`, or undefined when it
 * conforms. The value is checked as a copy whose objects have no prototype: the checker asks
 * `name in object`, and a `toString` the schema names must not be found on Object.prototype.
 */
export function schemaMismatch(schema: unknown, value: unknown): string | undefined {
  const { Check, Errors } = typeboxSchema();
  const own = withoutPrototypes(value);
  if (Check(schema as Json, own)) return undefined;
  const [, errors] = Errors(schema as Json, own);
  const first = errors[0];
  return first ? `${first.instancePath || '/'} ${first.message}` : 'the value is not accepted';
}

/**
 * The refusal for an answer that breaks the request's structured output: a text that does not
 * parse or fails the output schema, a strict tool's input that fails its schema.
 */
export function conformanceError(request: ModelRequest, answer: ModelAnswer, backend: string): AwsError | undefined {
  if (answer.stopReason === 'max_tokens' || answer.stopReason === 'stop_sequence') return undefined;
  if (request.outputSchema && answer.stopReason === 'end_turn') {
    const text = answer.content.map((block) => ('text' in block ? block.text : '')).join('');
    const problem = textMismatch(request.outputSchema.schema, text);
    if (problem) return nonConforming(backend, 'a text', problem);
  }
  for (const block of answer.content) {
    if (!('toolUse' in block)) continue;
    const tool = request.tools.find((t) => t.name === block.toolUse.name);
    const problem = tool?.strict ? schemaMismatch(tool.inputSchema, block.toolUse.input) : undefined;
    if (problem) return nonConforming(backend, `an input for the strict tool ${tool?.name}`, problem);
  }
  return undefined;
}

/** A JSON value again, each object made with a null prototype; walked with a stack of its own, so any depth is copied. */
function withoutPrototypes(value: unknown): unknown {
  const copy = (item: unknown): unknown =>
    Array.isArray(item) ? new Array(item.length) : typeof item === 'object' && item !== null ? Object.create(null) : item;
  const root = copy(value);
  const pending: [unknown, Record<string, unknown>][] = typeof root === 'object' && root !== null ? [[value, root as Json]] : [];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [from, to] = next;
    for (const [key, item] of Object.entries(from as Json)) {
      const made = copy(item);
      to[key] = made;
      if (typeof made === 'object' && made !== null) pending.push([item, made as Json]);
    }
  }
  return root;
}

function textMismatch(schema: unknown, text: string): string | undefined {
  let value: unknown;
  try {
    value = parseBoundedJson(text);
  } catch {
    return `not JSON: ${text.slice(0, 80)}`;
  }
  return schemaMismatch(schema, value);
}

/**
 * A streamed answer with the same check: the pieces pass as they come, and once the stop
 * arrives the text and strict tool inputs they made are checked; a failure ends the stream
 * with the error instead of the stop (ConverseStream's exception event).
 */
export async function* conformingPieces(
  request: ModelRequest,
  pieces: AsyncIterable<StreamPiece>,
  backend: string,
): AsyncGenerator<StreamPiece> {
  if (!request.outputSchema && !request.tools.some((tool) => tool.strict)) {
    yield* pieces;
    return;
  }
  const texts = new Map<number, string>();
  const tools = new Map<number, { name: string; input: string }>();
  for await (const piece of pieces) {
    if ('stop' in piece) {
      const content = [
        ...[...texts.values()].map((text) => ({ text })),
        ...[...tools.values()].map(({ name, input }) => ({ toolUse: { toolUseId: '', name, input: parsedOrText(input) } })),
      ];
      const invalid = conformanceError(request, { content, stopReason: piece.stop }, backend);
      if (invalid) throw invalid;
    } else if ('text' in piece) texts.set(piece.index, (texts.get(piece.index) ?? '') + piece.text);
    else if ('toolUse' in piece) tools.set(piece.index, { name: piece.toolUse.name, input: '' });
    else {
      const tool = tools.get(piece.index);
      if (tool) tool.input += piece.toolInput;
    }
    yield piece;
  }
}

function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text === '' ? '{}' : text);
  } catch {
    return text;
  }
}

/** Values tried when the example builder knows nothing of a schema (`{}`, one with only `not`). */
const FALLBACKS: readonly unknown[] = [{}, 'example', 0, true, null, []];

/**
 * The simulated model's answer to an output schema: the smallest value the schema accepts
 * (required members; the first enum value, const or anyOf branch; `$ref`s followed), else the
 * first of a few plain values it accepts, as compact JSON. A schema it cannot find a value
 * for is refused with the reason, rather than answered with JSON the schema refuses.
 */
export function exampleJson(schema: Readonly<Json>): string {
  const built = exampleOf(schema);
  const candidates = built === undefined ? FALLBACKS : [built, ...FALLBACKS];
  const value = candidates.find((candidate) => schemaMismatch(schema, candidate) === undefined);
  if (value === undefined) {
    const problem = built === undefined ? 'no value could be built' : schemaMismatch(schema, built);
    throw new AwsError(
      'ModelErrorException',
      `The simulated model could not build a value that the request's JSON schema accepts (${problem}); answer this request from fixtures or an openai backend.`,
      424,
    );
  }
  return JSON.stringify(value);
}

/** A JSON text in the pieces a model streams it in: up to and including each `{`, `[`, `,` or `:`. */
export const jsonPieces = (text: string): string[] => text.match(/[^{}[\],:]*[{}[\],:]?/g)?.filter((piece) => piece !== '') ?? [text];

/**
 * A request's output schema as the chat-completions `response_format` an OpenAI-compatible
 * server constrains its answer with (`json_schema`, strict; the name as OpenAI allows it).
 */
export function responseFormat(request: ModelRequest): Json {
  const output = request.outputSchema;
  if (!output) return {};
  const name = (output.name ?? 'response').replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64) || 'response';
  return {
    response_format: {
      type: 'json_schema',
      json_schema: { name, ...(output.description ? { description: output.description } : {}), schema: output.schema, strict: true },
    },
  };
}
