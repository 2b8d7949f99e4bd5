/**
 * What a rule target receives (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html):
 * the whole event, a constant `Input`, the part of the event an `InputPath` selects, or an
 * `InputTransformer` template filled from the event.
 *
 * Template filling follows what AWS was recorded doing (LocalStack's AWS-validated snapshots):
 * - a placeholder outside a JSON string takes the value's JSON (`{"a": <v>}` → `{"a": "x"}`);
 * - inside a JSON string it takes the text: strings unescaped, objects and arrays as JSON
 *   with their quotes removed ("Detail is {state:RUNNING}");
 * - a path that selects nothing gives an empty string (`""` outside a string);
 * - in a template that is a JSON object, an object or array inside a JSON string leaves the
 *   filled template no longer JSON: AWS does not deliver it (`TargetInputError`);
 * - `<aws.events.event>` is the event without `detail` and with `detail-type` as `detailType`.
 */
import { validationError } from '../endpoint/aws-error.js';
import { type CompiledPath, compilePath, JsonPathSyntaxError } from '../json/jsonpath.js';

export interface InputTransformer {
  readonly InputPathsMap?: Readonly<Record<string, string>>;
  readonly InputTemplate: string;
}

/** A target's input settings, in the API's spelling or the template loader's. */
export interface TargetInputSettings {
  readonly Id?: string;
  readonly Input?: string;
  readonly InputPath?: string;
  readonly InputTransformer?: InputTransformer;
  readonly id?: string;
  readonly input?: string;
  readonly inputPath?: string;
  readonly inputTransformer?: InputTransformer;
}

/** Values of the predefined placeholders. */
export interface TargetInputContext {
  readonly ruleArn?: string;
  readonly ruleName?: string;
  /** ISO 8601; defaults to the event's `time`. */
  readonly ingestionTime?: string;
}

const PREDEFINED = new Set([
  'aws.events.rule-arn',
  'aws.events.rule-name',
  'aws.events.event.ingestion-time',
  'aws.events.event',
  'aws.events.event.json',
]);

/**
 * A filled template AWS does not deliver: an object or array placed inside a string of a JSON
 * object template (recorded on AWS by LocalStack's test_input_transformer_nested_keys_replacement_not_valid).
 * The input is the same on every attempt, so the delivery is not retried.
 */
export class TargetInputError extends Error {
  override readonly name = 'TargetInputError';
}

/** `<` and `>` cannot be escaped in a template, so every `<...>` is a placeholder. */
const PLACEHOLDER = /<([^<>]*)>/g;

/** The text the target receives for this event. */
export function renderTargetInput(
  event: object,
  target: TargetInputSettings,
  context: TargetInputContext = {},
  /** The event as JSON already (what the outbox kept): the input of a target that takes the event whole, not made again. */
  eventText?: string,
): string {
  const input = target.Input ?? target.input;
  if (input !== undefined) return input;
  const inputPath = target.InputPath ?? target.inputPath;
  if (inputPath !== undefined) {
    const selected = selectPath(event, inputPath);
    return selected === MISSING ? 'null' : JSON.stringify(selected);
  }
  const transformer = target.InputTransformer ?? target.inputTransformer;
  if (transformer === undefined) return eventText ?? JSON.stringify(event);
  const values = new Map<string, unknown>();
  for (const [name, path] of Object.entries(transformer.InputPathsMap ?? {})) values.set(name, selectPath(event, path));
  return fillTemplate(transformer.InputTemplate, (name) =>
    PREDEFINED.has(name) ? predefined(name, event, context) : values.has(name) ? values.get(name) : MISSING,
  );
}

/**
 * Checks a target's input settings as PutTargets does, beyond the model's constraints (lengths,
 * the InputPathsMap's keys and size, which the endpoint checks first: modelValidator).
 * @throws AwsError ValidationException
 */
export function validateTargetInput(target: TargetInputSettings): void {
  const id = target.Id ?? target.id ?? '';
  const input = target.Input ?? target.input;
  const inputPath = target.InputPath ?? target.inputPath;
  const transformer = target.InputTransformer ?? target.inputTransformer;
  if ([input, inputPath, transformer].filter((setting) => setting !== undefined).length > 1) {
    throw validationError(`Only one of Input, InputPath, or InputTransformer must be provided for target ${id}.`);
  }
  if (input !== undefined) {
    try {
      JSON.parse(input);
    } catch (error) {
      throw validationError(`JSON syntax error in input for target ${id}: ${(error as Error).message}`, { cause: error });
    }
  }
  if (transformer !== undefined) {
    const paths = transformer.InputPathsMap ?? {};
    for (const key of Object.keys(paths)) {
      // The docs reserve keys starting with "AWS"; AWS's message for it was not recorded.
      if (key.startsWith('AWS')) throw validationError(`InputPathsMap for target ${id} contains a key starting with AWS: ${key}.`);
    }
    for (const match of transformer.InputTemplate.matchAll(PLACEHOLDER)) {
      const name = match[1] ?? '';
      if (!Object.hasOwn(paths, name) && !PREDEFINED.has(name)) {
        throw validationError(`InputTemplate for target ${id} contains invalid placeholder ${name}.`);
      }
    }
  }
}

// --- templates ---------------------------------------------------------------------------

/** A path that selects nothing. */
const MISSING: unique symbol = Symbol('missing');
type Selected = unknown | typeof MISSING;

function fillTemplate(template: string, lookup: (name: string) => Selected): string {
  const jsonObject = template.trimStart().startsWith('{');
  let out = '';
  let inString = false;
  let i = 0;
  while (i < template.length) {
    const c = template[i] as string;
    if (c === '<') {
      const close = template.indexOf('>', i + 1);
      const name = close < 0 ? undefined : template.slice(i + 1, close);
      if (name !== undefined && !name.includes('<')) {
        const value = lookup(name);
        if (jsonObject && inString && value !== null && typeof value === 'object') {
          throw new TargetInputError(`<${name}> is an object or array inside a string of a JSON template`);
        }
        out += render(value, inString);
        i = close + 1;
        continue;
      }
    }
    if (inString && c === '\\') {
      // An escaped character never ends the string, whatever it is.
      out += c + (template[i + 1] ?? '');
      i += 2;
      continue;
    }
    if (c === '"') inString = !inString;
    out += c;
    i++;
  }
  return out;
}

function render(value: Selected, inString: boolean): string {
  if (value === MISSING) return inString ? '' : '""';
  if (!inString) return JSON.stringify(value);
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') return JSON.stringify(value).replaceAll('"', '');
  return String(value);
}

function predefined(name: string, event: object, context: TargetInputContext): Selected {
  const envelope = event as Record<string, unknown>;
  switch (name) {
    case 'aws.events.rule-arn':
      return context.ruleArn ?? MISSING;
    case 'aws.events.rule-name':
      return context.ruleName ?? MISSING;
    case 'aws.events.event.ingestion-time':
      return context.ingestionTime ?? envelope.time ?? MISSING;
    case 'aws.events.event.json':
      return event;
    default: {
      // AWS's order; fields it does not list follow in the event's order.
      const summary: Record<string, unknown> = {};
      for (const key of ['id', 'account', 'detail-type', 'time', 'source', 'region', 'resources', 'version']) {
        if (Object.hasOwn(envelope, key)) summary[key === 'detail-type' ? 'detailType' : key] = envelope[key];
      }
      for (const [key, value] of Object.entries(envelope)) {
        if (key !== 'detail' && key !== 'detail-type' && !Object.hasOwn(summary, key)) summary[key] = value;
      }
      return summary;
    }
  }
}

// --- JSONPath --------------------------------------------------------------------------------

/**
 * What `path` selects in the event: EventBridge's subset of JSONPath (names, which may hold
 * dashes, slashes and other characters, `[n]` indices and wildcards); a path with a wildcard
 * selects the array of everything it reaches, as Jayway JsonPath does. A path outside the
 * subset selects nothing.
 */
function selectPath(root: unknown, path: string): Selected {
  let compiled: CompiledPath;
  try {
    compiled = compilePath(path, { basic: true });
  } catch (error) {
    if (error instanceof JsonPathSyntaxError) return MISSING;
    throw error;
  }
  const selected = compiled.evaluate(root);
  return selected === undefined ? MISSING : selected;
}

/**
 * A dynamic path parameter (`$.detail.type` for a Pipe target's DetailType, `$.detail.customerId`
 * for a rule's SQS target's MessageGroupId): the value at the
 * path in the event, as text; a value that is not a path is used as it is.
 */
export function dynamicParameter(value: string | undefined, event: unknown): string | undefined {
  if (value === undefined || !value.startsWith('$.')) return value;
  const text = renderTargetInput({ event }, { InputPath: `$.event${value.slice(1)}` });
  const selected = JSON.parse(text) as unknown;
  if (selected === null || selected === undefined) return undefined;
  return typeof selected === 'string' ? selected : JSON.stringify(selected);
}
