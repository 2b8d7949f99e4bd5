/**
 * What `npm run bench:devloop` measured on one app, in columns side by side (at rest, under the
 * load it made), and its verdicts against issue 70's targets (bench/devloop.ts). Verdicts are
 * pure functions of the figures: test/bench/devloop.test.ts.
 */
import type { DevloopApp } from './devloop-apps.js';
import type { LoadReading } from './devloop-load.js';
import { percentile } from './stats.js';

export interface Measured {
  coldStartMs?: number;
  firstInvocationAfterColdMs?: number;
  readonly warmInvocationMs: number[];
  /** Each handler edit in order while events flow: the file, write to the first invocation running it, and that invocation's own time. */
  readonly handlerEdits: { readonly file: string; readonly ms: number; readonly invocationMs: number }[];
  /** Each handler edit with nothing in flight: write to the answer of the first event sent once dev says it rebuilt. */
  readonly idleEditMs: number[];
  readonly infraEditMs: number[];
  /** Each command's wall times, `npx switchyard <command>`. */
  readonly commandMs: Map<string, number[]>;
  /** `node_modules/.bin/switchyard executions`: the command without npx's own start. */
  readonly directExecutionsMs: number[];
  /** `npx -c true`: npx's own start (npm's modules, a shell), which every `npx switchyard` pays before the command runs. */
  readonly npxAloneMs: number[];
  readonly warmStartMs: number[];
  readonly firstInvocationAfterWarmMs: number[];
}

export const emptyMeasured = (): Measured => ({
  warmInvocationMs: [],
  handlerEdits: [],
  idleEditMs: [],
  infraEditMs: [],
  commandMs: new Map(),
  directExecutionsMs: [],
  npxAloneMs: [],
  warmStartMs: [],
  firstInvocationAfterWarmMs: [],
});

/** One column of the report: the processes of load the benchmark added (0: at rest), the load average read through it, the figures. */
export interface Column {
  readonly added: number;
  readonly load: LoadReading;
  readonly measured: Measured;
}

export type AppName = DevloopApp['name'];

/** Where a target applies: the machine at rest (no load added) or under the load the benchmark makes. */
export type Condition = 'rest' | 'load';

export interface Target {
  readonly app: AppName;
  readonly condition: Condition;
  readonly goalMs: number;
  /** What the summary of missed targets calls it. */
  readonly what: string;
}

/**
 * Issue 70's goals, each on the app and in the condition it was stated for: the scaffold's
 * inner loop measured at rest, a command "at load 3", the reference app's start "loaded".
 */
export const TARGETS = {
  handlerEditP50: { app: 'scaffold', condition: 'rest', goalMs: 500, what: 'a handler edit until the new code runs (events flowing), p50' },
  handlerEditMax: {
    app: 'scaffold',
    condition: 'rest',
    goalMs: 1000,
    what: 'a handler edit until the new code runs (events flowing), max',
  },
  idleEditP50: { app: 'scaffold', condition: 'rest', goalMs: 400, what: 'the same edit with nothing in flight, p50' },
  coldStart: { app: 'scaffold', condition: 'rest', goalMs: 3000, what: '`switchyard dev` to ready, cold' },
  warmStart: { app: 'scaffold', condition: 'rest', goalMs: 1000, what: '`switchyard dev` to ready, warm (a restart, nothing changed)' },
  infraEdit: { app: 'scaffold', condition: 'rest', goalMs: 2000, what: 'an infrastructure edit until in effect, p50' },
  firstEvent: { app: 'scaffold', condition: 'rest', goalMs: 200, what: 'the first event after a start or reload' },
  command: { app: 'scaffold', condition: 'load', goalMs: 500, what: '`npx switchyard executions` / `failures`, p50' },
  referenceColdStart: { app: 'reference', condition: 'load', goalMs: 20_000, what: '`switchyard dev` to ready, cold' },
} as const satisfies Record<string, Target>;

/** The default load: issue 70's "a command 0.5 s at load 3". */
export const DEFAULT_LOAD = 3;

export const conditionOf = (added: number): Condition => (added === 0 ? 'rest' : 'load');
export const columnTitle = (added: number) => (added === 0 ? 'at rest' : `under load ${added}`);
const conditionTitle = (target: Target) => (target.condition === 'rest' ? 'at rest' : `under load (${DEFAULT_LOAD})`);

/** The verdict on `ms` in a column of `app` with `added` load: undefined where the target does not apply (another app, the other condition). */
export function verdict(target: Target, app: AppName, added: number, ms: number | undefined): 'met' | 'MISSED' | undefined {
  if (target.app !== app || target.condition !== conditionOf(added)) return undefined;
  return ms !== undefined && !Number.isNaN(ms) && ms <= target.goalMs ? 'met' : 'MISSED';
}

export function duration(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return '-';
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** A goal as the issue states it: 0.5 s, 20 s. */
const goal = (ms: number) => `${ms / 1000} s`;

const p50 = (values: readonly number[]) => percentile(values, 50);
const max = (values: readonly number[]) => (values.length === 0 ? Number.NaN : Math.max(...values));

/** One row: the measure, its figure in a column (and the samples behind it, shown as a range), the target it is held to. */
export interface Row {
  readonly measure: string;
  readonly ms: (m: Measured) => number | undefined;
  readonly samples?: (m: Measured) => readonly number[];
  readonly target?: Target;
}

/** A row of every app, with the targets it may be held to (the one of the app's name applies). */
type FixedRow = Omit<Row, 'target'> & { readonly targets?: readonly Target[] };

const edits = (m: Measured) => m.handlerEdits.map((edit) => edit.ms);

const FIXED_ROWS: readonly FixedRow[] = [
  {
    measure: '`switchyard dev` to ready, cold (no .switchyard/)',
    ms: (m) => m.coldStartMs,
    targets: [TARGETS.coldStart, TARGETS.referenceColdStart],
  },
  {
    measure: '`switchyard dev` to ready, warm (a restart, nothing changed), p50',
    ms: (m) => p50(m.warmStartMs),
    samples: (m) => m.warmStartMs,
    targets: [TARGETS.warmStart],
  },
  {
    measure: 'a handler edit until the new code runs (events flowing), p50',
    ms: (m) => p50(edits(m)),
    samples: edits,
    targets: [TARGETS.handlerEditP50],
  },
  { measure: 'a handler edit until the new code runs (events flowing), max', ms: (m) => max(edits(m)), targets: [TARGETS.handlerEditMax] },
  {
    measure: 'the same edit with nothing in flight, p50',
    ms: (m) => p50(m.idleEditMs),
    samples: (m) => m.idleEditMs,
    targets: [TARGETS.idleEditP50],
  },
  {
    measure: "an infrastructure edit (a function's environment variable) until in effect, p50",
    ms: (m) => p50(m.infraEditMs),
    samples: (m) => m.infraEditMs,
    targets: [TARGETS.infraEdit],
  },
  { measure: 'first invocation after the cold start', ms: (m) => m.firstInvocationAfterColdMs, targets: [TARGETS.firstEvent] },
  {
    measure: 'first invocation after a warm start, p50',
    ms: (m) => p50(m.firstInvocationAfterWarmMs),
    samples: (m) => m.firstInvocationAfterWarmMs,
    targets: [TARGETS.firstEvent],
  },
  {
    measure: 'first invocation running an edit (the one that showed it), p50',
    ms: (m) => p50(m.handlerEdits.map((edit) => edit.invocationMs)),
    samples: (m) => m.handlerEdits.map((edit) => edit.invocationMs),
    targets: [TARGETS.firstEvent],
  },
  { measure: 'a warm invocation, p50', ms: (m) => p50(m.warmInvocationMs) },
];

/** The rows of an app's report: the fixed measures, then each command timed in any column (`executions` and `failures` held to the command target). */
export function rows(app: AppName, columns: readonly Column[]): Row[] {
  const result: Row[] = FIXED_ROWS.map(({ targets, ...row }) => ({ ...row, target: targets?.find((target) => target.app === app) }));
  const commands = [...new Set(columns.flatMap((column) => [...column.measured.commandMs.keys()]))];
  for (const name of commands) {
    const samples = (m: Measured) => m.commandMs.get(name) ?? [];
    const held = (name === 'executions' || name === 'failures') && app === 'scaffold';
    result.push({
      measure: `\`npx switchyard ${name}\`, p50`,
      ms: (m) => p50(samples(m)),
      samples,
      target: held ? TARGETS.command : undefined,
    });
  }
  if (columns.some((column) => column.measured.directExecutionsMs.length > 0)) {
    result.push({ measure: '`node_modules/.bin/switchyard executions` (no npx), p50', ms: (m) => p50(m.directExecutionsMs) });
  }
  if (columns.some((column) => column.measured.npxAloneMs.length > 0)) {
    result.push({ measure: "`npx -c true` (npx's own start, no command), p50", ms: (m) => p50(m.npxAloneMs) });
  }
  return result;
}

/** The samples' range and count, in ms when all are under a second: " (390-620 ms, 3)", " (1.10-2.21 s, 3)"; none for one sample. */
export function range(values: readonly number[]): string {
  if (values.length < 2) return '';
  const low = Math.min(...values);
  const high = Math.max(...values);
  const text = high < 1000 ? `${low.toFixed(0)}-${high.toFixed(0)} ms` : `${(low / 1000).toFixed(2)}-${(high / 1000).toFixed(2)} s`;
  return ` (${text}, ${values.length})`;
}

/** A cell: the figure, the range of its samples, the verdict where the target applies. */
export function cell(row: Row, app: AppName, column: Column): string {
  const ms = row.ms(column.measured);
  const judged = row.target && verdict(row.target, app, column.added, ms);
  return `${duration(ms)}${range(row.samples?.(column.measured) ?? [])}${judged ? `: ${judged}` : ''}`;
}

const loadText = (load: LoadReading) => `${load.mean.toFixed(1)} (${load.min.toFixed(1)}-${load.max.toFixed(1)})`;

/** The app's table, columns side by side, as Markdown lines; and the targets it missed, each with its condition. */
export function appReport(app: DevloopApp, columns: readonly Column[]): { lines: string[]; missed: string[] } {
  const lines = [
    `\n${app.title}\n`,
    `| measure | ${columns.map((column) => columnTitle(column.added)).join(' | ')} | target |`,
    `| --- | ${columns.map(() => '---').join(' | ')} | --- |`,
    `| load average (1 min) through the column, mean (range) | ${columns.map((column) => loadText(column.load)).join(' | ')} | |`,
  ];
  const missed: string[] = [];
  for (const row of rows(app.name, columns)) {
    const target = row.target ? `${goal(row.target.goalMs)} ${conditionTitle(row.target)}` : '';
    lines.push(
      `| ${[row.measure, ...columns.map((column) => cell(row, app.name, column)), target].join(' | ')} |`.replace(/ {2}\|$/, ' |'),
    );
    for (const column of columns) {
      const ms = row.ms(column.measured);
      if (row.target && verdict(row.target, app.name, column.added, ms) === 'MISSED') {
        missed.push(`${app.name} ${columnTitle(column.added)}: ${row.measure} ${duration(ms)} (target ${goal(row.target.goalMs)})`);
      }
    }
  }
  for (const column of columns) {
    const all = column.measured.handlerEdits;
    const first = all[0]?.file;
    if (first === undefined) continue;
    const listed = all.map((edit) => `${(edit.ms / 1000).toFixed(2)}${edit.file === first ? '' : ` ${edit.file}`}`);
    lines.push(`\n${columnTitle(column.added)}: handler edits in order (s; of ${first} unless named): ${listed.join(', ')}`);
  }
  return { lines, missed };
}

/** The targets that no column of the run could judge (the app not run, or no column in their condition). */
export function unjudged(apps: readonly AppName[], loads: readonly number[]): string[] {
  return Object.values(TARGETS)
    .filter((target) => !apps.includes(target.app) || !loads.some((added) => conditionOf(added) === target.condition))
    .map((target) => `${target.app} ${target.what} ${goal(target.goalMs)} ${conditionTitle(target)}`);
}

/** The one table of targets, each with the app and the condition it applies to. */
export function targetsTable(): string[] {
  return [
    '| target | app | goal | condition |',
    '| --- | --- | --- | --- |',
    ...Object.values(TARGETS).map((target) => `| ${target.what} | ${target.app} | ${goal(target.goalMs)} | ${conditionTitle(target)} |`),
  ];
}
