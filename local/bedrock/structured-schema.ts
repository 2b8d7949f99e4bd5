import type { Validator, XSchema } from 'typebox/schema';
import { validationError } from '../endpoint/aws-error.js';
import { resolveRef } from '../events/schema-example.js';
import { valueDepth } from '../json/json-depth.js';
import type { ModelRequest } from './conversation.js';
import { malformed } from './families/shared.js';
import type { FoundationModel } from './model-ids.js';
import { typeboxSchema } from './structured-output.js';

/**
 * The request side of structured outputs (a JSON schema in Converse's `outputConfig`,
 * Anthropic's `output_config.format`, or a tool marked `strict`): whether the model takes
 * it, and whether the schema is one Bedrock compiles. Bedrock validates each schema against
 * JSON Schema draft 2020-12, then against the subset its constrained decoding supports, and
 * answers 400 at once for anything else
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/structured-output.html). The
 * subset, the limits and the texts are Anthropic's, as Bedrock answers them for Claude
 * (https://platform.claude.com/docs/en/build-with-claude/structured-outputs); the texts
 * marked "observed" were seen in Bedrock's answers, the others are written here.
 */

/** How an API reports the model's refusal: Converse wraps the model's text, InvokeModel passes it as it is. */
export interface StructuredApi {
  readonly prefix: string;
  /** The request field the schema came in, as the model names it. */
  readonly field: string;
  /** The request's own key for it, which a model without structured outputs calls extraneous. */
  readonly key: string;
}

export const CONVERSE_API: StructuredApi = {
  prefix: 'The model returned the following errors: ',
  field: 'output_config.format',
  key: 'outputConfig',
};
/** InvokeModel, the schema at `field` of the model's native body (`output_config.format`, `response_format.json_schema`). */
export const invokeApi = (field: string): StructuredApi => ({ prefix: '', field, key: field.split('.')[0] ?? field });

/** Anthropic's limits on one request's strict schemas (the output schema and every strict tool together). */
export const LIMITS = { strictTools: 20, optionalParameters: 24, unionParameters: 16 } as const;

/**
 * How deeply a schema may nest (JSON levels). AWS documents none; this keeps the draft
 * 2020-12 meta-schema check, which recurses, well inside the stack (it overflows near 600).
 */
export const MAX_SCHEMA_DEPTH = 100;

/**
 * The draft 2020-12 meta-schema as a compiled validator, made at first use (about 0.1 s):
 * TypeBox's interpreter takes 30 ms to check an 8 KB schema against it, the compiled one 1 ms.
 * Compiling generates code from the meta-schema only, never from a request's schema.
 */
let metaValidator: Validator | undefined;
const meta2020 = () => {
  const { Compile, Meta } = typeboxSchema();
  metaValidator ??= Compile(Meta['https://json-schema.org/draft/2020-12/schema'] as unknown as XSchema);
  return metaValidator;
};

/** The string formats Anthropic's structured outputs accept. */
const FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'uri', 'ipv4', 'ipv6', 'uuid']);

/** Per type, the keywords structured outputs refuse (numerical, string-length and array constraints). */
const UNSUPPORTED: Readonly<Record<string, readonly string[]>> = {
  integer: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  string: ['minLength', 'maxLength'],
  array: ['maxItems', 'uniqueItems', 'contains', 'minContains', 'maxContains'],
};

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Refuses a structured-output request as Bedrock does: a model without structured outputs
 * (the catalogue's `structuredOutput`), too many strict tools, a schema that is not draft
 * 2020-12, uses what the subset leaves out, or together with the others passes the limits.
 */
export function checkStructuredOutput(model: FoundationModel, request: ModelRequest, api: StructuredApi): void {
  const strict = request.tools.flatMap((tool, index) => (tool.strict ? [{ tool, index }] : []));
  if (!request.outputSchema && strict.length === 0) return;
  if (!model.structuredOutput) throw unsupported(model, api, request.outputSchema ? undefined : strict[0]?.index);
  const refuse = (text: string) => validationError(`${api.prefix}${text}`);
  if (strict.length > LIMITS.strictTools) {
    // Observed.
    throw refuse(
      `Too many strict tools (${strict.length}). The maximum number of strict tools supported is ${LIMITS.strictTools}. Try reducing the number of tools marked as strict.`,
    );
  }
  const schemas: Node[] = [];
  if (request.outputSchema) {
    const schema = request.outputSchema.schema as Node;
    const problem = schemaProblem(schema);
    if (problem) throw refuse(`${api.field}.schema: ${problem}`);
    schemas.push(schema);
  }
  for (const { tool, index } of strict) {
    const schema = tool.inputSchema as Node;
    const problem = schemaProblem(schema);
    // Observed: an invalid schema is named at `input_schema`, a keyword outside the subset at the tool.
    if (problem) throw refuse(`tools.${index}.custom${problem.startsWith('JSON schema is invalid') ? '.input_schema' : ''}: ${problem}`);
    schemas.push(schema);
  }
  const { optional, unions } = complexity(schemas);
  if (optional > LIMITS.optionalParameters) {
    // Observed.
    throw refuse(
      `Schemas contains too many optional parameters (${optional}), which would make grammar compilation inefficient. Reduce the number of optional parameters in your tool schemas (limit: ${LIMITS.optionalParameters}).`,
    );
  }
  if (unions > LIMITS.unionParameters) {
    // Observed.
    throw refuse(
      `Schemas contains too many parameters with union types (${unions} parameters with type arrays or anyOf). This causes exponential compilation cost. Reduce the number of nullable or union-typed parameters (limit: ${LIMITS.unionParameters} parameters with unions).`,
    );
  }
}

/**
 * A model without structured outputs: Claude's Messages API refuses the field it does not
 * know (observed: `output_config.format: Extra inputs are not permitted`; for a strict tool
 * the same words at its `strict`, written here); another family's request schema refuses
 * the key (the words Converse was seen answering where structured outputs were not rolled out;
 * for a native body's `response_format`, written here).
 */
function unsupported(model: FoundationModel, api: StructuredApi, strictTool: number | undefined) {
  if (model.codec === 'anthropic') {
    const field = strictTool === undefined ? api.field : `tools.${strictTool}.custom.strict`;
    return validationError(`${api.prefix}${field}: Extra inputs are not permitted`);
  }
  return malformed(`extraneous key [${strictTool === undefined ? api.key : 'strict'}] is not permitted`);
}

/** What is wrong with one schema, in the model's words (without the field it is at), or undefined. */
export function schemaProblem(schema: Node): string | undefined {
  if (valueDepth(schema, MAX_SCHEMA_DEPTH) > MAX_SCHEMA_DEPTH) return `Schema nests deeper than ${MAX_SCHEMA_DEPTH} levels`;
  // Observed (for tools, and so for output schemas, which the same validator reads).
  if (!meta2020().Check(schema)) return 'JSON schema is invalid. It must match JSON Schema draft 2020-12';
  return (
    refProblem(schema) ??
    subschemas(schema)
      .map(keywordProblem)
      .find((problem) => problem !== undefined)
  );
}

/** Every schema object within `root`, itself first, by the applicator keywords (never through a `$ref`). */
export function subschemas(root: Node): Node[] {
  const found: Node[] = [];
  const pending: Node[] = [root];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    found.push(node);
    const children: unknown[] = [];
    for (const key of ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'] as const) {
      if (isNode(node[key])) children.push(...Object.values(node[key]));
    }
    for (const key of ['items', 'prefixItems', 'anyOf', 'allOf', 'oneOf'] as const) children.push(...[node[key] ?? []].flat());
    for (const key of [
      'additionalProperties',
      'contains',
      'not',
      'if',
      'then',
      'else',
      'propertyNames',
      'unevaluatedProperties',
    ] as const) {
      children.push(node[key]);
    }
    pending.push(...children.filter(isNode).reverse());
  }
  return found;
}

/** A `$ref` to another document, to nothing, or back into itself (recursive schemas are not supported). */
function refProblem(root: Node): string | undefined {
  const refsWithin = (node: Node) => subschemas(node).flatMap((n) => (typeof n.$ref === 'string' ? [n.$ref] : []));
  const edges = new Map<string, string[]>();
  const pending = refsWithin(root);
  for (let ref = pending.pop(); ref !== undefined; ref = pending.pop()) {
    if (edges.has(ref)) continue;
    if (!ref.startsWith('#')) return `External $ref '${ref}' is not supported`;
    const target = resolveRef(root, ref);
    if (!isNode(target)) return `$ref '${ref}' does not resolve within the schema`;
    const next = refsWithin(target);
    edges.set(ref, next);
    pending.push(...next);
  }
  // A cycle among the references: depth-first, with the path so far.
  const done = new Set<string>();
  const onPath = new Set<string>();
  const cycles = (ref: string): boolean => {
    if (onPath.has(ref)) return true;
    if (done.has(ref)) return false;
    onPath.add(ref);
    const found = (edges.get(ref) ?? []).some(cycles);
    onPath.delete(ref);
    done.add(ref);
    return found;
  };
  const recursive = [...edges.keys()].find(cycles);
  return recursive === undefined ? undefined : `Recursive schemas are not supported ($ref '${recursive}')`;
}

/** The first keyword of one schema object that structured outputs refuse, by its type. */
function keywordProblem(node: Node): string | undefined {
  const types = [node.type].flat().filter((type): type is string => typeof type === 'string');
  if (types.length === 0 && isNode(node.properties)) types.push('object');
  if (Array.isArray(node.enum) && node.enum.some((value) => typeof value === 'object' && value !== null)) {
    return 'Enum values must be strings, numbers, booleans or null';
  }
  for (const type of types) {
    const refused = (UNSUPPORTED[type] ?? []).filter((keyword) => keyword in node);
    // Observed: one is `property 'maxItems' is not supported`, more are `properties maximum, minimum are not supported`.
    if (refused.length === 1) return `For '${type}' type, property '${refused[0]}' is not supported`;
    if (refused.length > 1) return `For '${type}' type, properties ${refused.join(', ')} are not supported`;
    if (type === 'array' && typeof node.minItems === 'number' && node.minItems > 1) {
      return `For 'array' type, 'minItems' values other than 0 or 1 are not supported (got: [${node.minItems}, ∞])`; // observed
    }
    if (type === 'object' && node.additionalProperties !== false) {
      return "For 'object' type, 'additionalProperties' must be explicitly set to false"; // observed
    }
    if (type === 'string' && typeof node.format === 'string' && !FORMATS.has(node.format)) {
      return `For 'string' type, format '${node.format}' is not supported`;
    }
    if (type === 'string' && typeof node.pattern === 'string' && !simplePattern(node.pattern)) {
      return "For 'string' type, property 'pattern' is not supported"; // observed
    }
  }
  return undefined;
}

/** A pattern the grammar compiler takes: a valid expression without backreferences, lookaround or word boundaries. */
function simplePattern(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
  } catch {
    return false;
  }
  return !/\\[1-9bBk]|\(\?<?[=!]/.test(pattern);
}

/**
 * What the limits count over a request's strict schemas: properties an object does not
 * require (optional parameters) and schemas with `anyOf` or a list of types (union parameters).
 */
export function complexity(schemas: readonly Node[]): { optional: number; unions: number } {
  let optional = 0;
  let unions = 0;
  for (const node of schemas.flatMap(subschemas)) {
    if (isNode(node.properties)) {
      const required = new Set(Array.isArray(node.required) ? node.required : []);
      optional += Object.keys(node.properties).filter((name) => !required.has(name)).length;
    }
    if (Array.isArray(node.anyOf) || (Array.isArray(node.type) && node.type.length > 1)) unions++;
  }
  return { optional, unions };
}
