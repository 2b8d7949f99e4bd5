/**
 * The item formats a distributed Map's ItemReader reads from an S3 object (JSON, JSON Lines,
 * CSV) and the shapes its ResultWriter gives the child executions' results (NONE,
 * COMPACT, FLATTEN; JSON or JSON Lines). Pure: map-io.ts fetches and stores.
 */
import { Errors, StatesError } from './errors.js';

/** CSVDelimiter's values (the ItemReader page's ReaderConfig). */
const DELIMITERS: Readonly<Record<string, string>> = { COMMA: ',', PIPE: '|', SEMICOLON: ';', SPACE: ' ', TAB: '\t' };

/** The items of an object's text, as ReaderConfig's InputType reads it. */
export function itemsOf(text: string, config: Readonly<Record<string, unknown>>, where: string): unknown[] {
  const inputType = config.InputType ?? 'JSON';
  switch (inputType) {
    case 'JSON':
      return jsonItems(text, where);
    case 'JSONL':
      return text
        .split(/\r?\n/)
        .filter((line) => line.trim() !== '')
        .map((line, i) => parse(line, `line ${i + 1} of ${where}`));
    case 'CSV':
      return csvItems(text, config, where);
    default:
      // MANIFEST (an S3 inventory) and PARQUET read files this runtime does not: named at start-up too.
      throw failed(`The ItemReader's InputType ${String(inputType)} is not read by the local runtime (it reads JSON, JSONL and CSV)`);
  }
}

function jsonItems(text: string, where: string): unknown[] {
  const value = parse(text, where);
  // AWS's cause (its recorded answers).
  if (!Array.isArray(value)) throw failed('Attempting to map over non-iterable node.');
  return value;
}

/**
 * Rows as objects of the header's names (FIRST_ROW, or GIVEN with CSVHeaders), every value a
 * string, as Step Functions passes them; RFC 4180 quoting (`"a,b"`, `""` for a quote). A row's
 * fields past the headers are dropped. Each row's keys come in the order of Step Functions' own
 * map of them (a Java HashMap: javaHashOrder), which its output keeps (AWS's recorded answers).
 */
function csvItems(text: string, config: Readonly<Record<string, unknown>>, where: string): unknown[] {
  const delimiter = DELIMITERS[String(config.CSVDelimiter ?? 'COMMA')];
  if (delimiter === undefined) throw failed(`Unknown CSVDelimiter ${String(config.CSVDelimiter)}`);
  const rows = csvRows(text, delimiter);
  const given = config.CSVHeaderLocation === 'GIVEN';
  const headers = given ? (Array.isArray(config.CSVHeaders) ? config.CSVHeaders.map(String) : []) : (rows.shift() ?? []);
  if (headers.length === 0) throw failed(`The CSV object ${where} has no header row`);
  if (new Set(headers).size !== headers.length) throw failed('CSV headers cannot contain duplicates.');
  const columns = javaHashOrder(headers).map((name) => [name, headers.indexOf(name)] as const);
  return rows.map((row) => Object.fromEntries(columns.map(([name, i]) => [name, row[i] ?? ''])));
}

/**
 * Distinct keys in the order a java.util.HashMap holding them (inserted in this order) iterates:
 * by bucket (String.hashCode, its high half folded in, modulo the table's power-of-two size,
 * which grows past three quarters full from 16), then in insertion order within a bucket.
 */
export function javaHashOrder(keys: readonly string[]): string[] {
  let capacity = 16;
  while (keys.length > capacity * 0.75) capacity *= 2;
  const bucket = (key: string) => {
    let h = 0;
    for (let i = 0; i < key.length; i++) h = (Math.imul(31, h) + key.charCodeAt(i)) | 0;
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  return keys
    .map((key, index) => ({ key, index, bucket: bucket(key) }))
    .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
    .map(({ key }) => key);
}

function csvRows(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endRow = () => {
    row.push(field);
    // A blank line is no row.
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === delimiter) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else field += c;
  }
  endRow();
  return rows;
}

/** One child execution (one item, or one batch) as the ResultWriter records it. */
export interface ChildRecord {
  readonly name: string;
  readonly input: unknown;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly startDate: number;
  readonly stopDate: number;
}

/**
 * A child's record as the NONE transformation writes it (the ResultWriter page's example):
 * the execution's description, its input and output as JSON text.
 */
export function recordOf(child: ChildRecord, mapArns: { readonly executionPrefix: string; readonly stateMachineArn: string }): unknown {
  const succeeded = child.status === 'SUCCEEDED';
  return {
    ExecutionArn: `${mapArns.executionPrefix}:${child.name}`,
    Input: JSON.stringify(child.input),
    InputDetails: { Included: true },
    Name: child.name,
    ...(succeeded
      ? { Output: JSON.stringify(child.output), OutputDetails: { Included: true } }
      : { Error: child.error, Cause: child.cause ?? '' }),
    RedriveCount: 0,
    RedriveStatus: 'NOT_REDRIVABLE',
    RedriveStatusReason: succeeded
      ? 'Execution is SUCCEEDED and cannot be redriven'
      : 'Execution is part of a Map Run and can only be redriven by redriving its parent execution',
    StartDate: new Date(child.startDate).toISOString(),
    StateMachineArn: mapArns.stateMachineArn,
    Status: child.status,
    StopDate: new Date(child.stopDate).toISOString(),
  };
}

/** The results as a transformation gives them: a failed child keeps its whole record whatever the transformation. */
export function transformed(
  children: readonly ChildRecord[],
  transformation: 'NONE' | 'COMPACT' | 'FLATTEN',
  record: (child: ChildRecord) => unknown,
): unknown[] {
  const out: unknown[] = [];
  for (const child of children) {
    if (transformation === 'NONE' || child.status !== 'SUCCEEDED') out.push(record(child));
    else if (transformation === 'FLATTEN' && Array.isArray(child.output)) out.push(...child.output);
    else out.push(child.output);
  }
  return out;
}

/** A results file's text: a JSON array, or one JSON value a line. */
export function serialize(values: readonly unknown[], outputType: 'JSON' | 'JSONL'): string {
  return outputType === 'JSONL' ? values.map((v) => JSON.stringify(v)).join('\n') : JSON.stringify(values);
}

function parse(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw failed(`${where} is not JSON: ${(e as Error).message}`);
  }
}

function failed(cause: string): StatesError {
  return new StatesError(Errors.ItemReaderFailed, cause);
}
