/**
 * Runs the recorded AWS Step Functions executions in test/conformance/asl against the
 * engine and compares status, output or error and cause, and the history, following the
 * rules of the conformance README. Shared by the vitest suite and report.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Sleep } from '../../local/states/engine/execution-types.js';
import type { HistoryEvent } from '../../local/states/engine/history-events.js';
import { parseDefinition, startExecution } from '../../local/states/engine/index.js';

export const CONFORMANCE_DIR = path.join(import.meta.dirname, 'asl');

export interface Vector {
  file: string;
  name: string;
  category: string;
  definition: unknown;
  input: unknown;
  expected: { status: string; output?: unknown; error?: string; cause?: string; cause_reserialized_from_snapshot?: boolean };
  history: Record<string, unknown>[] | null;
  normalised?: string[];
  history_order_normalised?: boolean;
}

export function loadVectors(dir = CONFORMANCE_DIR): Vector[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ ...(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Omit<Vector, 'file'>), file }));
}

/** The execution input as the recording test sent it: Python's json.dumps. */
export function pythonJson(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string')
    return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(pythonJson).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${pythonJson(k)}: ${pythonJson(x)}`)
    .join(', ')}}`;
}

const skipWaits: Sleep = (_ms, signal) => (signal.aborted ? Promise.reject(signal.reason) : Promise.resolve());

export interface VectorResult {
  pass: boolean;
  reason?: string;
  events: HistoryEvent[];
}

const ACCOUNT = '111111111111';
const REGION = '<region>';
const SM_NAME = '<ArnPart_0idx>';
const EXEC_NAME = '<ExecArnPart_0idx>';

export async function runVector(v: Vector): Promise<VectorResult> {
  let machine: ReturnType<typeof parseDefinition>;
  try {
    machine = parseDefinition(JSON.stringify(v.definition));
  } catch (e) {
    return { pass: false, reason: `definition rejected: ${(e as Error).message}`, events: [] };
  }
  const stateMachineArn = `arn:<partition>:states:${REGION}:${ACCOUNT}:stateMachine:${SM_NAME}`;
  const handle = startExecution({
    definition: machine,
    input: pythonJson(v.input),
    name: EXEC_NAME,
    executionArn: `arn:<partition>:states:${REGION}:${ACCOUNT}:execution:${SM_NAME}:${EXEC_NAME}`,
    stateMachineArn,
    stateMachineName: SM_NAME,
    roleArn: 'snf_role_arn',
    sleep: skipWaits,
    taskRunner: { run: async () => ({}) },
  });
  const result = await handle.result;
  const events = [...handle.events];
  const skip = new Set(v.normalised ?? []);
  const problems: string[] = [];
  const exp = v.expected;
  if (result.status !== exp.status) problems.push(`status ${result.status} (${result.error}: ${result.cause}) != ${exp.status}`);
  else if (exp.status === 'SUCCEEDED') {
    const out = result.output === undefined ? undefined : JSON.parse(result.output);
    compare(out, exp.output, '$.expected.output', skip, problems);
  } else {
    if ((result.error ?? null) !== (exp.error ?? null)) problems.push(`error ${result.error} != ${exp.error}`);
    if (!skip.has('$.expected.cause')) {
      if (exp.cause_reserialized_from_snapshot) {
        let mine: unknown = result.cause;
        try {
          mine = JSON.parse(result.cause ?? 'null');
        } catch {}
        compare(mine, JSON.parse(exp.cause ?? 'null'), '$.expected.cause', skip, problems);
      } else if ((result.cause ?? null) !== (exp.cause ?? null))
        problems.push(`cause ${JSON.stringify(result.cause)} != ${JSON.stringify(exp.cause)}`);
    }
  }
  if (v.history && problems.length === 0) compareHistory(events, v, skip, problems);
  return { pass: problems.length === 0, reason: problems.slice(0, 3).join('; '), events };
}

/** The recording's rule: object strings that start with `{` and parse are replaced by the parsed value. */
export function normaliseEvent(e: HistoryEvent): Record<string, unknown> {
  const { id: _id, previousEventId: _p, timestamp: _t, ...rest } = e;
  return reparse(rest) as Record<string, unknown>;
}

function reparse(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reparse);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'string' && x.startsWith('{')) {
      try {
        out[k] = JSON.parse(x);
        continue;
      } catch {}
    }
    out[k] = reparse(x);
  }
  return out;
}

/**
 * The events as the recording kept them. Where it sorted a Parallel span
 * (`history_order_normalised`), LocalStack's transformer replaced the span's slice twice, at
 * ParallelStateSucceeded and again at ParallelStateExited, and so dropped the
 * ParallelStateSucceeded AWS had recorded (the event ids it left show the gap).
 */
function asRecorded(events: HistoryEvent[], v: Vector): HistoryEvent[] {
  return v.history_order_normalised ? events.filter((e) => e.type !== 'ParallelStateSucceeded') : events;
}

function compareHistory(events: HistoryEvent[], v: Vector, skip: Set<string>, problems: string[]): void {
  const mine = asRecorded(events, v).map(normaliseEvent);
  const theirs = v.history as Record<string, unknown>[];
  if (mine.length !== theirs.length) {
    problems.push(
      `history length ${mine.length} != ${theirs.length}: ${mine.map((e) => e.type).join(',')} vs ${theirs.map((e) => e.type).join(',')}`,
    );
    return;
  }
  if (v.history_order_normalised) {
    const key = (e: unknown) => JSON.stringify(sortKeys(e));
    const a = mine.map(key).sort();
    const b = theirs.map(key).sort();
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) {
        problems.push(`history (as multiset) differs: ${a[i]} vs ${b[i]}`);
        return;
      }
    }
    return;
  }
  for (let i = 0; i < theirs.length; i++) {
    const before = problems.length;
    compare(mine[i], theirs[i], `$.history[${i}]`, skip, problems);
    if (problems.length > before) return;
  }
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  );
}

function compare(mine: unknown, theirs: unknown, at: string, skip: Set<string>, problems: string[]): void {
  if (skip.has(at)) return;
  if (
    typeof theirs === 'object' &&
    theirs !== null &&
    typeof mine === 'object' &&
    mine !== null &&
    Array.isArray(theirs) === Array.isArray(mine)
  ) {
    if (Array.isArray(theirs)) {
      const m = mine as unknown[];
      if (m.length !== theirs.length) {
        problems.push(`${at}: ${JSON.stringify(mine)} != ${JSON.stringify(theirs)}`);
        return;
      }
      for (const [i, t] of theirs.entries()) compare(m[i], t, `${at}[${i}]`, skip, problems);
      return;
    }
    const keys = new Set([...Object.keys(mine as object), ...Object.keys(theirs as object)]);
    for (const k of keys)
      compare((mine as Record<string, unknown>)[k], (theirs as Record<string, unknown>)[k], `${at}.${k}`, skip, problems);
    return;
  }
  if (typeof mine === 'string' && typeof theirs !== 'string' && theirs !== undefined) {
    // A few recordings parsed JSON texts other than objects as well (`[1,2,3]`, `1`).
    try {
      compare(JSON.parse(mine), theirs, at, skip, problems);
      return;
    } catch {}
  }
  if (JSON.stringify(mine) !== JSON.stringify(theirs))
    problems.push(`${at}: ${JSON.stringify(mine)?.slice(0, 300)} != ${JSON.stringify(theirs)?.slice(0, 300)}`);
}
