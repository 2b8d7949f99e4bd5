import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { DevloopApp } from '../../bench/devloop-apps.js';
import { startLoad, summarize } from '../../bench/devloop-load.js';
import { loads, options } from '../../bench/devloop-options.js';
import { appReport, type Column, emptyMeasured, range, TARGETS, targetsTable, unjudged, verdict } from '../../bench/devloop-report.js';
import { processRuns } from '../helpers/processes.js';

/** Polls until `pids` are all gone; the generous limit is a hang's guard, not a timing verdict. */
async function gone(pids: readonly number[], limitMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (pids.some(processRuns)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

describe('startLoad', () => {
  it('starts the processes asked for, and stop leaves none of them running', async () => {
    const load = startLoad(2);
    try {
      expect(load.pids).toHaveLength(2);
      expect(load.pids.every(processRuns)).toBe(true);
    } finally {
      await load.stop();
    }
    expect(load.pids.some(processRuns)).toBe(false);
  });

  it('starts nothing at rest', async () => {
    const load = startLoad(0);
    expect(load.pids).toEqual([]);
    await load.stop();
  });

  it('leaves no orphan: a spinner ends by itself once the process it watches is gone', async () => {
    const watched = spawn('sleep', ['60'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => watched.once('exit', resolve));
    if (watched.pid === undefined) throw new Error('sleep did not start');
    const load = startLoad(1, watched.pid);
    try {
      expect(load.pids.every(processRuns)).toBe(true);
      watched.kill('SIGKILL');
      await exited;
      expect(await gone(load.pids)).toBe(true);
    } finally {
      await load.stop();
    }
  });

  it('fails if the number of processes is not a whole number of at least 0', () => {
    expect(() => startLoad(-1)).toThrow(/expected a whole number of at least 0/);
    expect(() => startLoad(1.5)).toThrow(/expected a whole number of at least 0/);
  });
});

describe('summarize', () => {
  it('gives the mean and range of the load averages read', () => {
    expect(summarize([1, 2, 6])).toEqual({ mean: 3, min: 1, max: 6 });
  });

  it('fails if nothing was read', () => {
    expect(() => summarize([])).toThrow(/no load average read/);
  });
});

describe('bench:devloop options', () => {
  it('runs at rest then under load 3 by default, and one column per BENCH_LOAD entry', () => {
    expect(loads(undefined)).toEqual([0, 3]);
    expect(loads('5')).toEqual([5]);
    expect(loads('0, 2')).toEqual([0, 2]);
  });

  it('fails if BENCH_LOAD is not distinct whole numbers', () => {
    expect(() => loads('x')).toThrow(/BENCH_LOAD=x: expected distinct whole numbers/);
    expect(() => loads('3,3')).toThrow(/BENCH_LOAD=3,3/);
    expect(() => loads('-1')).toThrow(/BENCH_LOAD=-1/);
  });

  it('takes the small counts with BENCH_QUICK=1, each still overridable', () => {
    const quick = options({ BENCH_QUICK: '1', BENCH_EDITS: '4' });
    expect({ edits: quick.edits, idle: quick.idleEdits, infra: quick.infraEdits, starts: quick.starts, runs: quick.runs }).toEqual({
      edits: 4,
      idle: 2,
      infra: 1,
      starts: 1,
      runs: 3,
    });
    expect(options({}).edits).toBe(10);
  });

  it('exits 0 on a missed target unless BENCH_STRICT=1', () => {
    expect(options({}).strict).toBe(false);
    expect(options({ BENCH_STRICT: '1' }).strict).toBe(true);
  });

  it('fails if a flag is neither 1 nor 0', () => {
    expect(() => options({ BENCH_STRICT: 'yes' })).toThrow(/BENCH_STRICT=yes: expected 1 \(on\) or 0 \(off\)/);
  });
});

describe('bench:devloop verdicts', () => {
  it('holds a target only in its condition and on its app', () => {
    expect(verdict(TARGETS.handlerEditP50, 'scaffold', 0, 400)).toBe('met');
    expect(verdict(TARGETS.handlerEditP50, 'scaffold', 0, 500)).toBe('met');
    expect(verdict(TARGETS.handlerEditP50, 'scaffold', 0, 501)).toBe('MISSED');
    expect(verdict(TARGETS.handlerEditP50, 'scaffold', 3, 900)).toBeUndefined();
    expect(verdict(TARGETS.handlerEditP50, 'reference', 0, 900)).toBeUndefined();
    expect(verdict(TARGETS.command, 'scaffold', 3, 450)).toBe('met');
    expect(verdict(TARGETS.command, 'scaffold', 0, 900)).toBeUndefined();
  });

  it('counts a figure not measured as missed', () => {
    expect(verdict(TARGETS.idleEditP50, 'scaffold', 0, undefined)).toBe('MISSED');
    expect(verdict(TARGETS.idleEditP50, 'scaffold', 0, Number.NaN)).toBe('MISSED');
  });

  it('lists every missed target with the column it was missed in, and judges none in the other condition', () => {
    const app = { name: 'scaffold', title: 'the scaffold' } as DevloopApp;
    const rest = emptyMeasured();
    rest.coldStartMs = 4000;
    rest.commandMs.set('executions', [900]);
    rest.warmStartMs.push(800);
    const loaded = emptyMeasured();
    loaded.coldStartMs = 9000;
    loaded.commandMs.set('executions', [700]);
    loaded.commandMs.set('send', [900]);
    const columns: Column[] = [
      { added: 0, load: { mean: 1, min: 1, max: 1 }, measured: rest },
      { added: 3, load: { mean: 4, min: 3, max: 5 }, measured: loaded },
    ];
    const { lines, missed } = appReport(app, columns);
    expect(lines).toContain('| measure | at rest | under load 3 | target |');
    expect(lines).toContain('| load average (1 min) through the column, mean (range) | 1.0 (1.0-1.0) | 4.0 (3.0-5.0) | |');
    expect(lines).toContain('| `switchyard dev` to ready, cold (no .switchyard/) | 4.00 s: MISSED | 9.00 s | 3 s at rest |');
    expect(lines).toContain('| `npx switchyard send`, p50 | - | 900 ms | |');
    expect(missed).toContain('scaffold at rest: `switchyard dev` to ready, cold (no .switchyard/) 4.00 s (target 3 s)');
    expect(missed).toContain('scaffold under load 3: `npx switchyard executions`, p50 700 ms (target 0.5 s)');
    // Not measured in the run (no edits): missed, not silently met.
    expect(missed).toContain('scaffold at rest: the same edit with nothing in flight, p50 - (target 0.4 s)');
    expect(missed.some((line) => line.includes('to ready, warm'))).toBe(false);
    expect(missed.filter((line) => line.includes('under load'))).toEqual([
      'scaffold under load 3: `npx switchyard executions`, p50 700 ms (target 0.5 s)',
    ]);
  });

  it('shows the range of several samples in the unit they read best in', () => {
    expect(range([4, 3, 5])).toBe(' (3-5 ms, 3)');
    expect(range([390, 1200])).toBe(' (0.39-1.20 s, 2)');
    expect(range([420])).toBe('');
  });

  it('names the targets a run could not judge: the app or the condition not run', () => {
    expect(unjudged(['scaffold', 'reference'], [0, 3])).toEqual([]);
    expect(unjudged(['scaffold'], [0])).toEqual([
      'scaffold `npx switchyard executions` / `failures`, p50 0.5 s under load (3)',
      'reference `switchyard dev` to ready, cold 20 s under load (3)',
    ]);
  });

  it('states every target once in one table, with its app and condition', () => {
    const table = targetsTable();
    expect(table).toHaveLength(2 + Object.keys(TARGETS).length);
    expect(table).toContain('| `npx switchyard executions` / `failures`, p50 | scaffold | 0.5 s | under load (3) |');
    expect(table).toContain('| `switchyard dev` to ready, cold | reference | 20 s | under load (3) |');
  });
});
