import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AsyncJobFailed, AsyncJobNotFound, AsyncJobs } from '../../../local/store/async-jobs.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import type { OutboxHandlerError } from '../../../local/store/outbox.js';
import { ManualClock } from '../../../local/time/clock.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Input {
  readonly text: string;
}

function jobs(file: string, clock: ManualClock, run: (input: Input) => Promise<string>) {
  const db = openDatabase(file);
  const errors: OutboxHandlerError[] = [];
  const store = new AsyncJobs<Input, string>({
    db,
    clock,
    table: 'jobs',
    run: (job) => run(job.input),
    onError: (error) => errors.push(error),
  });
  cleanups.push(() => db.close());
  cleanups.push(() => store.stop());
  return { store, errors };
}

const tempFile = () => path.join(mkdtempSync(path.join(tmpdir(), 'switchyard-jobs-')), 'jobs.sqlite');

describe('AsyncJobs', () => {
  it('runs a job once its time on the clock has passed, and keeps its result readable', async () => {
    const clock = new ManualClock();
    const { store } = jobs(tempFile(), clock, async (input) => input.text.toUpperCase());
    store.start();
    const { job } = store.submit({ id: 'j1', kind: 'upper', input: { text: 'hi' } }, { queuedMs: 1000, runMs: 4000 });
    expect(store.phase(job)).toBe('queued');
    clock.advance(1000);
    expect(store.phase(store.get('upper', 'j1'))).toBe('running');
    await store.idle();
    expect(store.get('upper', 'j1').status).toBe('IN_PROGRESS');
    clock.advance(4000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await store.idle();
    expect(store.get('upper', 'j1')).toMatchObject({ status: 'SUCCEEDED', output: 'HI', endedAt: clock.now() });
  });

  it('answers a repeated token with the job it made, and adds none', () => {
    const { store } = jobs(tempFile(), new ManualClock(), async () => 'x');
    const first = store.submit({ id: 'a', kind: 'k', input: { text: '1' }, token: 't' }, { queuedMs: 0, runMs: 10 });
    const again = store.submit({ id: 'b', kind: 'k', input: { text: '1' }, token: 't' }, { queuedMs: 0, runMs: 10 });
    expect([first.created, again.created, again.job.id]).toEqual([true, false, 'a']);
    expect(store.list('k').map((j) => j.id)).toEqual(['a']);
  });

  it('takes up a job accepted before a crash at the next start', async () => {
    const file = tempFile();
    const clock = new ManualClock();
    const before = jobs(file, clock, async () => 'never');
    before.store.submit({ id: 'j', kind: 'k', input: { text: 'kept' } }, { queuedMs: 0, runMs: 0 });
    const after = jobs(file, clock, async (input) => `done ${input.text}`);
    after.store.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await after.store.idle();
    expect(after.store.get('k', 'j')).toMatchObject({ status: 'SUCCEEDED', output: 'done kept' });
  });

  it('fails a job with the message its work gives, without retrying', async () => {
    let calls = 0;
    const { store, errors } = jobs(tempFile(), new ManualClock(), async () => {
      calls++;
      throw new AsyncJobFailed('Unable to get object metadata from S3.');
    });
    store.start();
    store.submit({ id: 'j', kind: 'k', input: { text: '' } }, { queuedMs: 0, runMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await store.idle();
    expect(store.get('k', 'j')).toMatchObject({ status: 'FAILED', failure: 'Unable to get object metadata from S3.' });
    expect([calls, errors.length]).toEqual([1, 0]);
  });

  it('retries work that throws unexpectedly, then fails the job and reports each error', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const { store, errors } = jobs(tempFile(), clock, async () => {
      calls++;
      throw new TypeError('a bug');
    });
    store.start();
    store.submit({ id: 'j', kind: 'k', input: { text: '' } }, { queuedMs: 0, runMs: 0 });
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await store.idle();
      clock.advance(1000);
    }
    expect(calls).toBe(3);
    expect(store.get('k', 'j')).toMatchObject({ status: 'FAILED', failure: 'An internal error occurred: a bug' });
    expect(errors).toHaveLength(3);
  });

  it('keeps a job stopped while its work ran stopped', async () => {
    let release = (): void => undefined;
    const { store } = jobs(tempFile(), new ManualClock(), () => new Promise((resolve) => (release = () => resolve('late'))));
    store.start();
    store.submit({ id: 'j', kind: 'k', input: { text: '' } }, { queuedMs: 0, runMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.stopJob('j')).toBe(true);
    release();
    await store.idle();
    expect(store.get('k', 'j')).toMatchObject({ status: 'STOPPED' });
    expect(store.get('k', 'j').output).toBeUndefined();
    expect(store.stopJob('j')).toBe(false);
  });

  it('fails if a job is asked for under another kind', () => {
    const { store } = jobs(tempFile(), new ManualClock(), async () => 'x');
    store.submit({ id: 'j', kind: 'k', input: { text: '' } }, { queuedMs: 0, runMs: 0 });
    expect(() => store.get('other', 'j')).toThrow(AsyncJobNotFound);
  });
});
