import { aslValidatorRejection } from './asl-validator.js';
import { compileRule, type Rule } from './choice.js';
import { InvalidDefinition, invalidDefinition, NOT_AN_OBJECT } from './errors.js';
import { compileJsonata, compileJsonataValue, isJsonataTemplate, type JsonataTemplate } from './jsonata.js';
import {
  compileItemBatcher,
  compileItemReader,
  compileResultWriter,
  type FieldCompiler,
  type ItemBatcherSpec,
  type ItemReaderSpec,
  type ResultWriterSpec,
} from './map-io-definition.js';
import {
  compileDynamic,
  compilePayload,
  compileReferencePath,
  compileResultPath,
  type Payload,
  PayloadSyntaxError,
  type ReferencePath,
  type ResultPathApply,
} from './payload.js';
import { checkErrorEquals, compileRetrier, type Retrier } from './retrier-definition.js';
import { nestedStates } from './state-tree.js';
import { parseTimestamp } from './timestamp.js';

/**
 * A definition compiled once: every path, intrinsic, JSONata expression and choice rule
 * is parsed here, so running a state does no parsing.
 */

export type { Retrier };

export type QueryLanguage = 'JSONPath' | 'JSONata';

export type Assigner = { kind: 'JSONPath'; payload: Payload } | { kind: 'JSONata'; template: JsonataTemplate };

export interface Catcher {
  errorEquals: string[];
  next: string;
  resultPath: ResultPathApply;
  output?: JsonataTemplate;
  assign?: Assigner;
}

export interface ChoiceBranch {
  rule?: Rule;
  condition?: JsonataTemplate;
  next: string;
  assign?: Assigner;
  output?: JsonataTemplate;
}

/** A number field that may come from a literal, a path or a JSONata template. */
export interface Dynamic<T> {
  value?: T;
  /** What a Wait's SecondsPath or a Fail's ErrorPath (a path or an intrinsic function) resolves to. */
  path?: Pick<ReferencePath, 'source' | 'resolve'>;
  template?: JsonataTemplate;
}

/** A number given as a value, a JSONata expression or a reference path (`<Field>Path`). */
export type DynamicNumber = Dynamic<number> & { path?: ReferencePath };

export interface State {
  name: string;
  type: 'Pass' | 'Task' | 'Choice' | 'Wait' | 'Succeed' | 'Fail' | 'Parallel' | 'Map';
  ql: QueryLanguage;
  next?: string;
  end: boolean;
  raw: Record<string, unknown>;
  // JSONPath
  inputPath?: ReferencePath | null;
  outputPath?: ReferencePath | null;
  parameters?: Payload;
  resultSelector?: Payload;
  resultPath: ResultPathApply;
  // JSONata
  arguments?: JsonataTemplate;
  output?: JsonataTemplate;
  assign?: Assigner;
  retry: Retrier[];
  catch: Catcher[];
  // Pass
  hasResult?: boolean;
  result?: unknown;
  // Task
  resource?: string;
  timeoutSeconds?: DynamicNumber;
  heartbeatSeconds?: DynamicNumber;
  credentials?: Dynamic<unknown>;
  // Choice
  choices?: ChoiceBranch[];
  default?: string;
  // Wait
  seconds?: DynamicNumber;
  timestamp?: Dynamic<string>;
  // Fail
  error?: Dynamic<string>;
  cause?: Dynamic<string>;
  // Parallel
  branches?: Program[];
  // Map
  processor?: Program;
  distributed?: boolean;
  itemsPath?: ReferencePath;
  items?: JsonataTemplate;
  itemSelector?: Payload | JsonataTemplate;
  itemSelectorIsJsonata?: boolean;
  maxConcurrency?: DynamicNumber;
  toleratedFailurePercentage?: DynamicNumber;
  toleratedFailureCount?: DynamicNumber;
  itemBatcher?: ItemBatcherSpec;
  itemReader?: ItemReaderSpec;
  resultWriter?: ResultWriterSpec;
}

export interface Program {
  startAt: string;
  states: Map<string, State>;
  ql: QueryLanguage;
}

export interface Machine extends Program {
  timeoutSeconds?: number;
  definition: Record<string, unknown>;
}

const invalid = invalidDefinition;

export function compileDefinition(definition: unknown): Machine {
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) throw invalid(NOT_AN_OBJECT);
  const def = definition as Record<string, unknown>;
  // AWS names every missing one, in this order (its recorded answers)
  const missing = ['States', 'StartAt'].filter((field) => def[field] === undefined);
  if (missing.length > 0) throw invalid(`SCHEMA_VALIDATION_FAILED: These fields are required: [${missing.join(', ')}] at /`);
  const rejected = aslValidatorRejection(definition);
  if (rejected) throw invalid(rejected);
  if (def.QueryLanguage === 'JSONata') refuseJsonPathStates(def);
  const ql = queryLanguageOf(def.QueryLanguage, 'JSONPath', '/QueryLanguage');
  const program = compileProgram(def, ql, '');
  const timeoutSeconds = def.TimeoutSeconds;
  if (timeoutSeconds !== undefined && (typeof timeoutSeconds !== 'number' || !Number.isInteger(timeoutSeconds) || timeoutSeconds < 0))
    throw invalid('SCHEMA_VALIDATION_FAILED: TimeoutSeconds must be a non-negative integer at /TimeoutSeconds');
  return { ...program, timeoutSeconds: timeoutSeconds as number | undefined, definition: def };
}

/** A machine that sets JSONata at its top refuses a JSONPath state at any depth (a JSONata Map in a JSONPath machine may hold one). */
function refuseJsonPathStates(def: Record<string, unknown>): void {
  for (const { state, path } of nestedStates(def))
    if (state.QueryLanguage === 'JSONPath')
      throw invalid(
        `SCHEMA_VALIDATION_FAILED: 'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine at ${path}`,
      );
}

function queryLanguageOf(v: unknown, fallback: QueryLanguage, where: string): QueryLanguage {
  if (v === undefined) return fallback;
  if (v === 'JSONPath' || v === 'JSONata') return v;
  throw invalid(`SCHEMA_VALIDATION_FAILED: QueryLanguage must be JSONPath or JSONata at ${where}`);
}

function compileProgram(def: Record<string, unknown>, ql: QueryLanguage, where: string): Program {
  const states = def.States;
  if (typeof def.StartAt !== 'string') throw invalid(`SCHEMA_VALIDATION_FAILED: The field 'StartAt' is required at ${where || '/'}`);
  if (typeof states !== 'object' || states === null || Array.isArray(states))
    throw invalid(`SCHEMA_VALIDATION_FAILED: The field 'States' is required at ${where || '/'}`);
  const compiled = new Map<string, State>();
  for (const [name, raw] of Object.entries(states as Record<string, unknown>)) {
    compiled.set(name, compileState(name, raw as Record<string, unknown>, ql, `${where}/States/${name}`));
  }
  if (!compiled.has(def.StartAt)) throw invalid(`MISSING_TRANSITION_TARGET: Missing 'Next' target: ${def.StartAt} at ${where}/StartAt`);
  for (const s of compiled.values()) {
    const targets = [s.next, s.default, ...(s.choices ?? []).map((c) => c.next), ...s.catch.map((c) => c.next)];
    for (const t of targets)
      if (t !== undefined && !compiled.has(t))
        throw invalid(`MISSING_TRANSITION_TARGET: Missing 'Next' target: ${t} at ${where}/States/${s.name}`);
  }
  return { startAt: def.StartAt, states: compiled, ql };
}

function wrap<T>(fn: () => T, where: string): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof InvalidDefinition) throw e;
    const err = e as { message?: string; code?: string };
    if (e instanceof PayloadSyntaxError) throw invalid(`SCHEMA_VALIDATION_FAILED: ${err.message} at ${where}`);
    throw invalid(`SCHEMA_VALIDATION_FAILED: ${err.code ? `${err.code}: ` : ''}${err.message} at ${where}`);
  }
}

const jsonataValue = (v: unknown, field: string, where: string) => wrap(() => compileJsonataValue(v, field), `${where}/${field}`);

function dynamicNumber(raw: Record<string, unknown>, key: string, ql: QueryLanguage, where: string): DynamicNumber | undefined {
  const v = raw[key];
  const p = raw[`${key}Path`];
  if (v !== undefined) {
    if (ql === 'JSONata' && isJsonataTemplate(v)) return { template: jsonataValue(v, key, where) };
    if (typeof v !== 'number') throw invalid(`SCHEMA_VALIDATION_FAILED: ${key} must be a number at ${where}/${key}`);
    return { value: v };
  }
  if (p !== undefined) {
    if (ql === 'JSONata') throw invalid(`SCHEMA_VALIDATION_FAILED: The field '${key}Path' is not supported for JSONata at ${where}`);
    if (typeof p !== 'string') throw invalid(`SCHEMA_VALIDATION_FAILED: ${key}Path must be a path at ${where}/${key}Path`);
    return { path: wrap(() => compileReferencePath(p), `${where}/${key}Path`) };
  }
  return undefined;
}

function compileAssign(v: unknown, ql: QueryLanguage, where: string): Assigner | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    if (ql === 'JSONata' && isJsonataTemplate(v)) return { kind: 'JSONata', template: jsonataValue(v, 'Assign', where) };
    throw invalid(`SCHEMA_VALIDATION_FAILED: Assign must be an object at ${where}/Assign`);
  }
  for (const key of Object.keys(v)) {
    const name = key.endsWith('.$') ? key.slice(0, -2) : key;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || name === 'states')
      throw invalid(`SCHEMA_VALIDATION_FAILED: The variable name '${name}' is not valid at ${where}/Assign`);
  }
  if (ql === 'JSONata') return { kind: 'JSONata', template: jsonataValue(v, 'Assign', where) };
  return { kind: 'JSONPath', payload: wrap(() => compilePayload(v), `${where}/Assign`) };
}

const JSONPATH_ONLY = ['InputPath', 'OutputPath', 'Parameters', 'ResultSelector', 'ResultPath', 'ItemsPath', 'ItemSelector'];
const JSONATA_ONLY = ['Arguments', 'Output', 'Items'];

function compileState(name: string, raw: Record<string, unknown>, parentQl: QueryLanguage, where: string): State {
  const { type, ql } = checkState(raw, parentQl, where);
  const state: State = {
    name,
    type,
    ql,
    next: typeof raw.Next === 'string' ? raw.Next : undefined,
    end: raw.End === true,
    raw,
    resultPath: compileResultPath(undefined),
    retry: [],
    catch: [],
  };
  compileDataFlow(state, raw, ql, where);
  if (Array.isArray(raw.Retry)) state.retry = raw.Retry.map((r, i) => compileRetrier(r as Record<string, unknown>, `${where}/Retry[${i}]`));
  if (Array.isArray(raw.Catch))
    state.catch = raw.Catch.map((c, i) => compileCatcher(c as Record<string, unknown>, ql, `${where}/Catch[${i}]`));

  switch (type) {
    case 'Pass':
      if ('Result' in raw) {
        state.hasResult = true;
        state.result = raw.Result;
      }
      break;
    case 'Task':
      compileTask(state, raw, ql, where);
      break;
    case 'Choice':
      compileChoice(state, raw, ql, where);
      break;
    case 'Wait':
      compileWait(state, raw, ql, where);
      break;
    case 'Fail':
      state.error = failField(raw, 'Error', ql, where);
      state.cause = failField(raw, 'Cause', ql, where);
      break;
    case 'Parallel':
      if (!Array.isArray(raw.Branches)) throw invalid(`SCHEMA_VALIDATION_FAILED: The field 'Branches' is required at ${where}`);
      if (raw.Branches.length === 0) throw invalid(`SCHEMA_VALIDATION_FAILED: Value cannot be empty at ${where}/Branches`);
      state.branches = raw.Branches.map((b, i) =>
        compileProgram(
          b as Record<string, unknown>,
          queryLanguageOf((b as Record<string, unknown>).QueryLanguage, ql, where),
          `${where}/Branches[${i}]`,
        ),
      );
      break;
    case 'Map':
      compileMap(state, raw, ql, where);
      break;
  }
  return state;
}

const STATE_TYPES: readonly State['type'][] = ['Task', 'Wait', 'Pass', 'Succeed', 'Fail', 'Choice', 'Parallel', 'Map'];

/** The checks every state type shares: a known Type, its query language's fields only, and Next or End. */
function checkState(raw: Record<string, unknown>, parentQl: QueryLanguage, where: string): { type: State['type']; ql: QueryLanguage } {
  if (typeof raw !== 'object' || raw === null) throw invalid(`SCHEMA_VALIDATION_FAILED: A state must be an object at ${where}`);
  const type = raw.Type as State['type'];
  if (raw.Type === undefined)
    throw invalid(`SCHEMA_VALIDATION_FAILED: The field 'Type' is required and must be a valid state type at ${where}`);
  // AWS's text for a Type that is not a state type (recorded), in its order of the types.
  if (!STATE_TYPES.includes(type))
    throw invalid(
      `SCHEMA_VALIDATION_FAILED: The field 'Type' should have one of these values: [${STATE_TYPES.join(', ')}] at ${where}/Type`,
    );
  const ql = queryLanguageOf(raw.QueryLanguage, parentQl, `${where}/QueryLanguage`);
  for (const f of ql === 'JSONata' ? JSONPATH_ONLY : JSONATA_ONLY) {
    if (raw[f] !== undefined && !(f === 'ItemSelector' && ql === 'JSONata'))
      throw invalid(`SCHEMA_VALIDATION_FAILED: The field '${f}' is not supported for the ${ql} query language at ${where}/${f}`);
  }
  const terminal = type === 'Succeed' || type === 'Fail' || type === 'Choice';
  if (!terminal) {
    if (raw.End !== true && typeof raw.Next !== 'string')
      throw invalid(`SCHEMA_VALIDATION_FAILED: The state must have a 'Next' or 'End' field at ${where}`);
    if (raw.End === true && raw.Next !== undefined)
      throw invalid(`SCHEMA_VALIDATION_FAILED: The state cannot have both 'Next' and 'End' at ${where}`);
  }
  return { type, ql };
}

/** InputPath, Parameters, ResultSelector, ResultPath, OutputPath (JSONPath) or Arguments and Output (JSONata), and Assign. */
function compileDataFlow(state: State, raw: Record<string, unknown>, ql: QueryLanguage, where: string): void {
  const p = (key: string, fn: () => void) => {
    if (raw[key] !== undefined) wrap(fn, `${where}/${key}`);
  };
  if (ql === 'JSONPath') {
    if (raw.InputPath !== undefined)
      state.inputPath = raw.InputPath === null ? null : wrap(() => compileReferencePath(raw.InputPath as string), `${where}/InputPath`);
    if (raw.OutputPath !== undefined)
      state.outputPath = raw.OutputPath === null ? null : wrap(() => compileReferencePath(raw.OutputPath as string), `${where}/OutputPath`);
    if ('ResultPath' in raw) state.resultPath = wrap(() => compileResultPath(raw.ResultPath as string | null), `${where}/ResultPath`);
    p('Parameters', () => {
      state.parameters = compilePayload(raw.Parameters);
    });
    p('ResultSelector', () => {
      state.resultSelector = compilePayload(raw.ResultSelector);
    });
  } else {
    if (raw.Arguments !== undefined) state.arguments = jsonataValue(raw.Arguments, 'Arguments', where);
    if (raw.Output !== undefined) state.output = jsonataValue(raw.Output, 'Output', where);
  }
  state.assign = compileAssign(raw.Assign, ql, where);
}

function compileTask(state: State, raw: Record<string, unknown>, ql: QueryLanguage, where: string): void {
  if (typeof raw.Resource !== 'string') throw invalid(`SCHEMA_VALIDATION_FAILED: The field 'Resource' is required at ${where}`);
  state.resource = raw.Resource;
  state.timeoutSeconds = dynamicNumber(raw, 'TimeoutSeconds', ql, where);
  state.heartbeatSeconds = dynamicNumber(raw, 'HeartbeatSeconds', ql, where);
  state.credentials = compileCredentials(raw.Credentials, ql, where);
}

/**
 * A Task's Credentials name the role to assume: `RoleArn` (or `RoleArn.$` in JSONPath), AWS's
 * first check of them; evaluated as Parameters are (a JSONata expression in a JSONata state).
 */
function compileCredentials(credentials: unknown, ql: QueryLanguage, where: string): Dynamic<unknown> | undefined {
  if (credentials === undefined) return undefined;
  if (typeof credentials !== 'object' || credentials === null || !('RoleArn' in credentials || 'RoleArn.$' in credentials))
    throw invalid(`SCHEMA_VALIDATION_FAILED: The field 'RoleArn' is required but was missing at ${where}/Credentials`);
  if (ql === 'JSONata') return { template: jsonataValue(credentials, 'Credentials', where) };
  const payload = wrap(() => compilePayload(credentials), `${where}/Credentials`);
  return { path: { source: 'Credentials', resolve: payload } };
}

function compileChoice(state: State, raw: Record<string, unknown>, ql: QueryLanguage, where: string): void {
  if (!Array.isArray(raw.Choices) || raw.Choices.length === 0)
    throw invalid(`SCHEMA_VALIDATION_FAILED: The field 'Choices' must be a non-empty array at ${where}`);
  state.choices = raw.Choices.map((c, i) => compileChoiceBranch(c as Record<string, unknown>, ql, `${where}/Choices[${i}]`));
  if (raw.Default !== undefined) state.default = raw.Default as string;
}

function compileChoiceBranch(rule: Record<string, unknown>, ql: QueryLanguage, at: string): ChoiceBranch {
  if (typeof rule.Next !== 'string') throw invalid(`SCHEMA_VALIDATION_FAILED: The field 'Next' is required at ${at}`);
  const branch: ChoiceBranch = { next: rule.Next, assign: compileAssign(rule.Assign, ql, at) };
  if (ql === 'JSONata') {
    if (!isJsonataTemplate(rule.Condition) && typeof rule.Condition !== 'boolean')
      throw invalid(`SCHEMA_VALIDATION_FAILED: The field 'Condition' is required for JSONata choice rules at ${at}`);
    branch.condition = jsonataValue(rule.Condition, 'Condition', at);
    if (rule.Output !== undefined) branch.output = jsonataValue(rule.Output, 'Output', at);
  } else {
    if (rule.Condition !== undefined)
      throw invalid(`SCHEMA_VALIDATION_FAILED: The field 'Condition' is not supported for JSONPath at ${at}`);
    branch.rule = wrap(() => compileRule(rule, at), at);
  }
  return branch;
}

function compileWait(state: State, raw: Record<string, unknown>, ql: QueryLanguage, where: string): void {
  const kinds = ['Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath'].filter((k) => raw[k] !== undefined);
  if (kinds.length !== 1)
    throw invalid(
      `SCHEMA_VALIDATION_FAILED: A Wait state must have exactly one of Seconds, Timestamp, SecondsPath, TimestampPath at ${where}`,
    );
  if (raw.Seconds !== undefined || raw.SecondsPath !== undefined) state.seconds = dynamicNumber(raw, 'Seconds', ql, where);
  if (raw.Timestamp !== undefined) {
    if (ql === 'JSONata' && isJsonataTemplate(raw.Timestamp)) {
      state.timestamp = { template: jsonataValue(raw.Timestamp, 'Timestamp', where) };
    } else if (typeof raw.Timestamp === 'string' && parseTimestamp(raw.Timestamp)) {
      state.timestamp = { value: raw.Timestamp };
    } else {
      // CreateStateMachine's own text (AWS's recorded answers): a time without `Z` or an offset is none.
      throw invalid(`SCHEMA_VALIDATION_FAILED: String does not match RFC3339 timestamp at ${where}/Timestamp`);
    }
  } else if (raw.TimestampPath !== undefined)
    state.timestamp = { path: wrap(() => compileReferencePath(raw.TimestampPath as string), `${where}/TimestampPath`) };
}

function compileMap(state: State, raw: Record<string, unknown>, ql: QueryLanguage, where: string): void {
  const proc = (raw.ItemProcessor ?? raw.Iterator) as Record<string, unknown> | undefined;
  if (!proc) throw invalid(`SCHEMA_VALIDATION_FAILED: The field 'ItemProcessor' is required at ${where}`);
  const config = (proc.ProcessorConfig ?? {}) as Record<string, unknown>;
  state.distributed = config.Mode === 'DISTRIBUTED';
  state.processor = compileProgram(proc, queryLanguageOf(proc.QueryLanguage, ql, where), `${where}/ItemProcessor`);
  if (ql === 'JSONPath') {
    if (raw.ItemsPath !== undefined) state.itemsPath = wrap(() => compileReferencePath(raw.ItemsPath as string), `${where}/ItemsPath`);
    const selector = raw.ItemSelector ?? raw.Parameters;
    if (raw.ItemSelector !== undefined) state.parameters = undefined;
    if (selector !== undefined) state.itemSelector = wrap(() => compilePayload(selector), `${where}/ItemSelector`);
  } else {
    if (raw.Items !== undefined) state.items = jsonataValue(raw.Items, 'Items', where);
    if (raw.ItemSelector !== undefined) {
      state.itemSelector = jsonataValue(raw.ItemSelector, 'ItemSelector', where);
      state.itemSelectorIsJsonata = true;
    }
  }
  state.maxConcurrency = dynamicNumber(raw, 'MaxConcurrency', ql, where);
  state.toleratedFailurePercentage = dynamicNumber(raw, 'ToleratedFailurePercentage', ql, where);
  state.toleratedFailureCount = dynamicNumber(raw, 'ToleratedFailureCount', ql, where);
  if (raw.ItemBatcher !== undefined) state.itemBatcher = compileItemBatcher(raw.ItemBatcher, ql === 'JSONata', where, FIELDS);
  if (raw.ItemReader !== undefined) state.itemReader = compileItemReader(raw.ItemReader, ql === 'JSONata', where, FIELDS);
  if (raw.ResultWriter !== undefined) state.resultWriter = compileResultWriter(raw.ResultWriter, ql === 'JSONata', where, FIELDS);
}

const FIELDS: FieldCompiler = {
  payload: (value, at) => wrap(() => compilePayload(value), at),
  jsonata: (value, field, at) => jsonataValue(value, field, at),
  number: (raw, key, jsonata, at) => dynamicNumber(raw, key, jsonata ? 'JSONata' : 'JSONPath', at),
  invalid: (message) => invalid(message),
};

function failField(raw: Record<string, unknown>, key: 'Error' | 'Cause', ql: QueryLanguage, where: string): Dynamic<string> | undefined {
  const v = raw[key];
  const p = raw[`${key}Path`];
  if (v !== undefined && p !== undefined)
    throw invalid(`SCHEMA_VALIDATION_FAILED: A Fail state cannot have both ${key} and ${key}Path at ${where}`);
  if (v !== undefined) {
    if (ql === 'JSONata' && isJsonataTemplate(v)) return { template: jsonataValue(v, key, where) };
    if (typeof v !== 'string') throw invalid(`SCHEMA_VALIDATION_FAILED: ${key} must be a string at ${where}/${key}`);
    return { value: v };
  }
  if (p !== undefined) {
    if (typeof p !== 'string') throw invalid(`SCHEMA_VALIDATION_FAILED: ${key}Path must be a string at ${where}/${key}Path`);
    const payload = wrap(() => compileDynamic(p, `${key}Path`), `${where}/${key}Path`);
    return { template: undefined, path: { source: p, resolve: payload } };
  }
  return undefined;
}

function compileCatcher(c: Record<string, unknown>, ql: QueryLanguage, where: string): Catcher {
  if (!Array.isArray(c.ErrorEquals) || c.ErrorEquals.length === 0)
    throw invalid(`SCHEMA_VALIDATION_FAILED: ErrorEquals must be a non-empty array at ${where}`);
  if (typeof c.Next !== 'string') throw invalid(`SCHEMA_VALIDATION_FAILED: The field 'Next' is required at ${where}`);
  checkErrorEquals(c.ErrorEquals as string[], where);
  const catcher: Catcher = {
    errorEquals: c.ErrorEquals as string[],
    next: c.Next,
    resultPath: compileResultPath('ResultPath' in c ? (c.ResultPath as string | null) : undefined),
    assign: compileAssign(c.Assign, ql, where),
  };
  if (ql === 'JSONata' && c.Output !== undefined) catcher.output = jsonataValue(c.Output, 'Output', where);
  return catcher;
}

export { compileJsonata };
