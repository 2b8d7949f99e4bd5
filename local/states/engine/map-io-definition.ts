/**
 * A distributed Map's data sources and sinks as the definition gives them: the ItemReader
 * (an S3 object's items, or a bucket's listing) and the ResultWriter (where the child
 * executions' results go, and how they are shaped), compiled once with the state.
 * https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html
 * https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html
 */
import type { JsonataTemplate } from './jsonata.js';
import type { Payload, ReferencePath } from './payload.js';

/** An S3 action of the Map and its request, as the definition's Parameters (JSONPath) or Arguments (JSONata) build it. */
export interface MapS3Call {
  /** `arn:aws:states:::s3:getObject`, `...:s3:listObjectsV2`, `...:s3:putObject`. */
  readonly resource: string;
  readonly parameters?: Built;
}

export interface ItemReaderSpec extends MapS3Call {
  /** `ReaderConfig` as written: InputType, CSVHeaderLocation, CSVHeaders, CSVDelimiter, MaxItems, MaxItemsPath. */
  readonly config: Readonly<Record<string, unknown>>;
  /** ReaderConfig's MaxItems (a number, or a JSONata expression) or MaxItemsPath. */
  readonly maxItems?: NumberField;
}

/** A number field as a value, a JSONata expression or a reference path (`<Field>Path`). */
export interface NumberField {
  readonly value?: number;
  readonly path?: ReferencePath;
  readonly template?: JsonataTemplate;
}

/** A request or value the definition builds, by its Parameters-like template (JSONPath) or JSONata. */
type Built = { readonly jsonata: false; readonly build: Payload } | { readonly jsonata: true; readonly build: JsonataTemplate };

/**
 * The ItemBatcher: at most MaxItemsPerBatch items and MaxInputBytesPerBatch bytes a batch (each
 * a value, a JSONata expression, or a `...Path`), and the BatchInput every batch carries.
 * https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html
 */
export interface ItemBatcherSpec {
  readonly maxItemsPerBatch?: NumberField;
  readonly maxInputBytesPerBatch?: NumberField;
  readonly batchInput?: Built;
}

export interface ResultWriterSpec {
  /** Where the results are exported; absent when only WriterConfig is given (the results are the state's output). */
  readonly target?: MapS3Call;
  /** NONE (each child's record), COMPACT (outputs), FLATTEN (outputs, arrays flattened). */
  readonly transformation: 'NONE' | 'COMPACT' | 'FLATTEN';
  readonly outputType: 'JSON' | 'JSONL';
}

/** How the definition compiles a field's value, with its place in the definition for the error. */
export interface FieldCompiler {
  payload(value: unknown, at: string): Payload;
  jsonata(value: unknown, field: string, at: string): JsonataTemplate;
  /** A number field given as a value, a JSONata expression (`jsonata`) or `<key>Path`. */
  number(raw: Record<string, unknown>, key: string, jsonata: boolean, at: string): NumberField | undefined;
  invalid(message: string): Error;
}

export function compileItemReader(raw: unknown, jsonata: boolean, where: string, compile: FieldCompiler): ItemReaderSpec {
  const r = object(raw, 'ItemReader', where, compile);
  const call = compileCall(r, jsonata, `${where}/ItemReader`, compile);
  const config = r.ReaderConfig === undefined ? {} : object(r.ReaderConfig, 'ReaderConfig', `${where}/ItemReader`, compile);
  const maxItems = compile.number(config, 'MaxItems', jsonata, `${where}/ItemReader/ReaderConfig`);
  return { ...call, config, ...(maxItems ? { maxItems } : {}) };
}

export function compileItemBatcher(raw: unknown, jsonata: boolean, where: string, compile: FieldCompiler): ItemBatcherSpec {
  const b = object(raw, 'ItemBatcher', where, compile);
  const at = `${where}/ItemBatcher`;
  const maxItemsPerBatch = compile.number(b, 'MaxItemsPerBatch', jsonata, at);
  const maxInputBytesPerBatch = compile.number(b, 'MaxInputBytesPerBatch', jsonata, at);
  const batchInput: Built | undefined =
    b.BatchInput === undefined
      ? undefined
      : jsonata
        ? { jsonata: true, build: compile.jsonata(b.BatchInput, 'BatchInput', at) }
        : { jsonata: false, build: compile.payload(b.BatchInput, `${at}/BatchInput`) };
  return {
    ...(maxItemsPerBatch ? { maxItemsPerBatch } : {}),
    ...(maxInputBytesPerBatch ? { maxInputBytesPerBatch } : {}),
    ...(batchInput ? { batchInput } : {}),
  };
}

export function compileResultWriter(raw: unknown, jsonata: boolean, where: string, compile: FieldCompiler): ResultWriterSpec {
  const r = object(raw, 'ResultWriter', where, compile);
  const config = r.WriterConfig === undefined ? undefined : object(r.WriterConfig, 'WriterConfig', `${where}/ResultWriter`, compile);
  if (r.Resource === undefined && config === undefined) {
    // The ResultWriter page: the field cannot be empty; WriterConfig, or Resource with Parameters, or all three.
    throw compile.invalid(`SCHEMA_VALIDATION_FAILED: The ResultWriter field must have WriterConfig or Resource at ${where}/ResultWriter`);
  }
  const target = r.Resource === undefined ? undefined : compileCall(r, jsonata, `${where}/ResultWriter`, compile);
  const transformation = (config?.Transformation as string | undefined) ?? (target ? 'NONE' : 'COMPACT');
  if (!['NONE', 'COMPACT', 'FLATTEN'].includes(transformation)) {
    throw compile.invalid(
      `SCHEMA_VALIDATION_FAILED: The value for the field 'Transformation' must be one of NONE, COMPACT, FLATTEN at ${where}/ResultWriter/WriterConfig`,
    );
  }
  const outputType = (config?.OutputType as string | undefined) ?? 'JSON';
  if (outputType !== 'JSON' && outputType !== 'JSONL') {
    throw compile.invalid(
      `SCHEMA_VALIDATION_FAILED: The value for the field 'OutputType' must be one of JSON, JSONL at ${where}/ResultWriter/WriterConfig`,
    );
  }
  return { ...(target ? { target } : {}), transformation: transformation as ResultWriterSpec['transformation'], outputType };
}

function compileCall(r: Record<string, unknown>, jsonata: boolean, at: string, compile: FieldCompiler): MapS3Call {
  if (typeof r.Resource !== 'string') throw compile.invalid(`SCHEMA_VALIDATION_FAILED: The field 'Resource' is required at ${at}`);
  const args = jsonata ? r.Arguments : r.Parameters;
  if (args === undefined) return { resource: r.Resource };
  return {
    resource: r.Resource,
    parameters: jsonata
      ? { jsonata: true, build: compile.jsonata(args, 'Arguments', at) }
      : { jsonata: false, build: compile.payload(args, `${at}/Parameters`) },
  };
}

function object(value: unknown, field: string, where: string, compile: FieldCompiler): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw compile.invalid(`SCHEMA_VALIDATION_FAILED: The field '${field}' must be an object at ${where}/${field}`);
  }
  return value as Record<string, unknown>;
}
