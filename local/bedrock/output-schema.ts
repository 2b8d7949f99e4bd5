import { validationError } from '../endpoint/aws-error.js';
import { parseBoundedJson } from '../json/json-depth.js';

/**
 * The JSON schema a request asks the answer's text to follow (structured outputs): Converse's
 * `outputConfig.textFormat`, Anthropic's `output_config.format` (or its deprecated
 * `output_format`) in InvokeModel, read here; a chat-completions body's `response_format`
 * (`families/chat-messages.ts`). Refused by `structured-schema.ts`, answered and checked by
 * `structured-output.ts`.
 */
export interface OutputSchema {
  readonly schema: Readonly<Record<string, unknown>>;
  readonly name?: string;
  readonly description?: string;
}

type Body = Record<string, unknown>;
const isObject = (value: unknown): value is Body => typeof value === 'object' && value !== null && !Array.isArray(value);

const notNull = (path: string) =>
  validationError(`1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`);

/**
 * Converse's `outputConfig` (its `textFormat`; `effort` is not read), refused as the API's
 * model refuses it: a missing `type`, `structure` or `schema`, a `type` other than
 * `json_schema`, a `schema` string that is not a JSON object.
 */
export function converseOutputSchema(body: Body): { outputSchema?: OutputSchema } {
  const config = isObject(body.outputConfig) ? body.outputConfig : undefined;
  const format = config && isObject(config.textFormat) ? config.textFormat : undefined;
  if (!format) return {};
  const at = 'outputConfig.textFormat';
  if (format.type === undefined || format.type === null) throw notNull(`${at}.type`);
  if (format.type !== 'json_schema') {
    throw validationError(
      `1 validation error detected: Value '${String(format.type)}' at '${at}.type' failed to satisfy constraint: Member must satisfy enum value set: [json_schema]`,
    );
  }
  if (!isObject(format.structure)) throw notNull(`${at}.structure`);
  const definition = format.structure.jsonSchema;
  if (!isObject(definition)) throw notNull(`${at}.structure.jsonSchema`);
  if (typeof definition.schema !== 'string') throw notNull(`${at}.structure.jsonSchema.schema`);
  let schema: unknown;
  try {
    schema = parseBoundedJson(definition.schema);
  } catch {
    schema = undefined;
  }
  // Bedrock's words for a tool's inputSchema.json that is not an object, at this field.
  if (!isObject(schema)) {
    throw validationError(
      `The format of the value at ${at}.structure.jsonSchema.schema is invalid. Provide a json object for the field and try again.`,
    );
  }
  return {
    outputSchema: {
      schema,
      ...(typeof definition.name === 'string' ? { name: definition.name } : {}),
      ...(typeof definition.description === 'string' ? { description: definition.description } : {}),
    },
  };
}

/** Where an Anthropic Messages body put its JSON schema: `output_config.format`, else the deprecated `output_format`. */
export function anthropicOutputField(body: Body): 'output_config.format' | 'output_format' {
  return isObject(body.output_config) && body.output_config.format !== undefined
    ? 'output_config.format'
    : body.output_format !== undefined
      ? 'output_format'
      : 'output_config.format';
}

/**
 * An Anthropic Messages body's `output_config.format` (`{type: 'json_schema', schema}`) or
 * its deprecated `output_format`, refused in the Messages API's words (`<field>: Field
 * required`, `Input should be ...`).
 */
export function anthropicOutputSchema(body: Body): { outputSchema?: OutputSchema } {
  if (body.output_config !== undefined && !isObject(body.output_config)) {
    throw validationError('output_config: Input should be a valid dictionary');
  }
  const field = anthropicOutputField(body);
  const format = field === 'output_format' ? body.output_format : (body.output_config as Body | undefined)?.format;
  if (format === undefined) return {};
  if (!isObject(format)) throw validationError(`${field}: Input should be a valid dictionary`);
  if (format.type === undefined) throw validationError(`${field}.type: Field required`);
  if (format.type !== 'json_schema') throw validationError(`${field}.type: Input should be 'json_schema'`);
  if (format.schema === undefined) throw validationError(`${field}.schema: Field required`);
  if (!isObject(format.schema)) throw validationError(`${field}.schema: Input should be a valid dictionary`);
  return { outputSchema: { schema: format.schema } };
}
