import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBatchItemFailures } from '../../../local/lambda/event-source-mappings/sqs-event-source.js';
import { type FunctionDefinition, FunctionRuntime } from '../../../local/lambda/runtime/function-runtime.js';
import { metricsSummary } from '../../../local/lambda/runtime/hosts/metrics-line.js';
import { codeFunction } from './fixtures/code-function.js';

const runtimes: FunctionRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
});

/** A function whose bundle is `source`, written as index.mjs in a fresh folder. */
function fn(source: string, overrides: Partial<FunctionDefinition> = {}, logs: string[] = []): FunctionRuntime {
  const definition = codeFunction('test-fn', source, { timeoutSeconds: 3, ...overrides });
  const runtime = new FunctionRuntime(
    definition,
    (d) => ({ GREETING: 'hello', ...d.environment }),
    (_name, line) => logs.push(line),
  );
  runtimes.push(runtime);
  return runtime;
}

describe('FunctionRuntime', () => {
  it('runs the handler with the event, its environment and a context with the time left', async () => {
    const runtime = fn(`export const handler = async (event, context) => ({
      echo: event.x, greeting: process.env.GREETING, name: context.functionName,
      remaining: context.getRemainingTimeInMillis(), requestId: context.awsRequestId })`);
    const outcome = await runtime.invoke({ x: 42 });
    expect(outcome.ok).toBe(true);
    const payload = outcome.ok ? JSON.parse(outcome.payload) : {};
    expect(payload).toMatchObject({ echo: 42, greeting: 'hello', name: 'test-fn', requestId: outcome.requestId });
    expect(payload.remaining).toBeGreaterThan(2000);
    expect(payload.remaining).toBeLessThanOrEqual(3000);
  });

  it('reports a thrown error by its name and message', async () => {
    const outcome = await fn(
      `export const handler = async () => { const e = new Error('nope'); e.name = 'ModelUnavailable'; throw e; }`,
    ).invoke({});
    expect(outcome).toMatchObject({ ok: false, error: { errorType: 'ModelUnavailable', errorMessage: 'nope' } });
  });

  it("gives a thrown error's trace as Lambda does: the message, then the function's frames, none of the runtime's", async () => {
    const runtime = fn(`function reserve(order) { throw new Error('no stock for ' + order); }
      export const handler = async (event) => { if (event.later) await new Promise((r) => setTimeout(r, 1)); reserve(event.orderId); };`);
    for (const later of [false, true]) {
      const outcome = await runtime.invoke({ orderId: 'FAIL-1', later });
      const trace = outcome.ok ? [] : (outcome.error.trace ?? []);
      expect(trace[0]).toBe('Error: no stock for FAIL-1');
      // Each frame names the function's file; the worker's and Node's message-port frames below them are gone.
      expect(trace.slice(1).map((line) => line.replace(/\(file:\/\/\/\S*\/index\.mjs:\d+:\d+\)$/, '(index.mjs)'))).toEqual([
        '    at reserve (index.mjs)',
        '    at handler (index.mjs)',
      ]);
    }
  });

  it('keeps the whole trace of an error of the runtime itself, which has no frame of the function', async () => {
    const outcome = await fn(`export const handler = async () => ({ toJSON() { throw new Error('no'); } });`).invoke({});
    expect(outcome).toMatchObject({ ok: false, error: { errorType: 'Runtime.JSONStringifyError' } });
    expect((outcome.ok ? [] : (outcome.error.trace ?? [])).some((line) => line.includes('worker.mjs'))).toBe(true);
  });

  it('reports a thrown non-Error by its JavaScript type, as Lambda does', async () => {
    const outcome = await fn(`export const handler = async () => { throw 'boom'; }`).invoke({});
    expect(outcome).toMatchObject({ ok: false, error: { errorType: 'string', errorMessage: 'boom' } });
  });

  it('fails the invocation with Sandbox.Timedout when the handler outlives the timeout, and recovers', async () => {
    const runtime = fn(
      `export const handler = async (e) => { if (e.hang) await new Promise(() => setInterval(() => {}, 1000)); return 'ok'; }`,
      {
        timeoutSeconds: 1,
      },
    );
    const outcome = await runtime.invoke({ hang: true });
    expect(outcome).toMatchObject({
      ok: false,
      error: { errorType: 'Sandbox.Timedout', errorMessage: expect.stringContaining('Task timed out after 1.00 seconds') },
    });
    await expect(runtime.invoke({})).resolves.toMatchObject({ ok: true, payload: '"ok"' });
  });

  it('fails every invocation with the init error when the module throws at load', async () => {
    const outcome = await fn(
      `const e = new Error('environment variable TABLE is required but not set'); e.name = 'ConfigError'; throw e;`,
    ).invoke({});
    expect(outcome).toMatchObject({ ok: false, error: { errorType: 'ConfigError' } });
  });

  it('fails if the handler export is missing', async () => {
    const outcome = await fn(`export const other = () => 1;`).invoke({});
    expect(outcome).toMatchObject({ ok: false, error: { errorType: 'Runtime.HandlerNotFound' } });
  });

  it('throttles invocations beyond reserved concurrency when asked to, as Lambda does', async () => {
    const runtime = fn(`export const handler = async () => { await new Promise((r) => setTimeout(r, 300)); return 1; }`, {
      reservedConcurrency: 1,
    });
    const first = runtime.invoke({});
    await expect(runtime.invoke({}, { throttle: true })).rejects.toMatchObject({ code: 'TooManyRequestsException', status: 429 });
    await expect(first).resolves.toMatchObject({ ok: true });
  });

  it('never runs an invocation whose caller gave up while it waited for room, and runs the next caller', async () => {
    const runtime = fn(
      `let runs = 0; export const handler = async (event) => { runs++; await new Promise((r) => setTimeout(r, event.ms ?? 0)); return runs; }`,
      { reservedConcurrency: 1 },
    );
    const first = runtime.invoke({ ms: 300 });
    const caller = new AbortController();
    const abandoned = runtime.invoke({}, { signal: caller.signal });
    const next = runtime.invoke({});
    caller.abort(new Error('the task timed out'));
    await expect(abandoned).rejects.toThrow('the task timed out');
    await expect(first).resolves.toMatchObject({ ok: true, payload: '1' });
    // The second run is the next caller's: the abandoned one took no turn.
    await expect(next).resolves.toMatchObject({ ok: true, payload: '2' });
  });

  it('runs each version in environments of its own, which name the version, as Lambda does', async () => {
    const runtime = fn(
      `const loadedAs = process.env.AWS_LAMBDA_FUNCTION_VERSION;
       export const handler = async (event, context) => ({ loadedAs, now: process.env.AWS_LAMBDA_FUNCTION_VERSION, context: context.functionVersion, stream: process.env.AWS_LAMBDA_LOG_STREAM_NAME })`,
      { reservedConcurrency: 1 },
    );
    const ran = async (version?: string) => {
      const outcome = await runtime.invoke({}, version ? { version } : {});
      return outcome.ok ? JSON.parse(outcome.payload) : outcome;
    };
    const latest = await ran();
    expect(latest).toMatchObject({ loadedAs: '$LATEST', now: '$LATEST', context: '$LATEST' });
    expect(latest.stream).toMatch(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
    // At its concurrency of 1, the idle $LATEST environment gives its place to version 3's.
    const three = await ran('3');
    expect(three).toMatchObject({ loadedAs: '3', now: '3', context: '3' });
    expect(three.stream).toMatch(/\/\[3\][0-9a-f]{32}$/);
    expect(await ran('3')).toEqual(three);
    expect((await ran()).stream).not.toBe(latest.stream);
  });

  it("hands every log line, in Lambda's text format, and the START/END/REPORT lines to the sink", async () => {
    const logs: string[] = [];
    const outcome = await fn(
      `console.log('loading'); export const handler = async () => { console.log('working on %s', 'it'); console.error('careful'); return 1; }`,
      {},
      logs,
    ).invoke({});
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(logs.some((l) => l.startsWith('START RequestId:'))).toBe(true);
    // As Lambda's Node.js runtime writes console lines: time, request id (undefined during init), level, message.
    expect(logs).toContainEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z\tundefined\tINFO\tloading$/));
    expect(logs).toContainEqual(expect.stringMatching(new RegExp(`^[\\d:.TZ-]+\\t${outcome.requestId}\\tINFO\\tworking on it$`)));
    expect(logs).toContainEqual(expect.stringMatching(new RegExp(`^[\\d:.TZ-]+\\t${outcome.requestId}\\tERROR\\tcareful$`)));
    expect(logs.some((l) => l.startsWith('REPORT RequestId:'))).toBe(true);
  });
});

describe('FunctionRuntime.prepare', () => {
  /** A function whose init appends a line to a file of its own: how many environments initialized, and when. */
  function counted(logs: string[] = [], overrides: Partial<FunctionDefinition> = {}) {
    const inits = path.join(mkdtempSync(path.join(tmpdir(), 'switchyard-inits-')), 'inits');
    writeFileSync(inits, '');
    const runtime = fn(
      `import { appendFileSync } from 'node:fs';
       const initAt = Date.now();
       appendFileSync(${JSON.stringify(inits)}, initAt + '\\n');
       export const handler = async () => initAt;`,
      overrides,
      logs,
    );
    return { runtime, inits: () => readFileSync(inits, 'utf8').split('\n').filter(Boolean).map(Number) };
  }

  it("runs a function's init phase before its first invocation, which then runs in that environment and reports the Init Duration", async () => {
    const logs: string[] = [];
    const { runtime, inits } = counted(logs);
    await runtime.prepare();
    const [initAt] = inits();
    expect(initAt).toBeDefined();
    const invoked = Date.now();
    const outcome = await runtime.invoke({});
    expect(outcome).toMatchObject({ ok: true, payload: String(initAt) });
    expect(initAt).toBeLessThanOrEqual(invoked);
    expect(inits()).toHaveLength(1);
    expect(logs).toContainEqual(expect.stringMatching(/^REPORT RequestId: .*\tInit Duration: [\d.]+ ms\t$/));
  });

  it('gives an invocation the environment still initializing, rather than starting a second one', async () => {
    const { runtime, inits } = counted();
    const prepared = runtime.prepare();
    await expect(runtime.invoke({})).resolves.toMatchObject({ ok: true });
    await prepared;
    expect(inits()).toHaveLength(1);
  });

  it('starts no environment for a function that has one, or may have none (reserved concurrency 0)', async () => {
    const { runtime, inits } = counted();
    await runtime.invoke({});
    await runtime.prepare();
    expect(inits()).toHaveLength(1);
    const throttled = counted([], { reservedConcurrency: 0 });
    await throttled.runtime.prepare();
    expect(throttled.inits()).toEqual([]);
  });
});

describe('FunctionRuntime.update, with prestart', () => {
  /**
   * A function at `v1`, and what renews it to new code: `v2`, whose init appends to a file of its
   * own and, when given a gate, waits (top-level await) until the gate file exists.
   */
  function renewable(overrides: Partial<FunctionDefinition> = {}) {
    const runtime = fn(`export const handler = async () => 'v1';`, overrides);
    const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-renew-'));
    const inits = path.join(dir, 'inits');
    const gate = path.join(dir, 'gate');
    writeFileSync(inits, '');
    const v2 = (gated: boolean): FunctionDefinition => {
      const codePath = mkdtempSync(path.join(tmpdir(), 'switchyard-fn-v2-'));
      writeFileSync(
        path.join(codePath, 'index.mjs'),
        `import { appendFileSync, existsSync } from 'node:fs';
         ${gated ? `while (!existsSync(${JSON.stringify(gate)})) await new Promise((r) => setTimeout(r, 10));` : ''}
         appendFileSync(${JSON.stringify(inits)}, 'v2\\n');
         export const handler = async () => 'v2';`,
      );
      return { ...runtime.definition, codePath };
    };
    const ran = async () => {
      const outcome = await runtime.invoke({});
      return outcome.ok ? JSON.parse(outcome.payload) : outcome;
    };
    return {
      runtime,
      v2,
      ran,
      openGate: () => writeFileSync(gate, ''),
      inits: () => readFileSync(inits, 'utf8').split('\n').filter(Boolean),
    };
  }

  it("starts the new code's environment before the next event needs it, so that event runs the new code on an environment already initialized", async () => {
    const { runtime, v2, ran, inits } = renewable();
    expect(await ran()).toBe('v1');
    await runtime.update(v2(false), true);
    // The new code's init ran with no event asking for it: the next event is a warm call.
    expect(inits()).toEqual(['v2']);
    expect(await ran()).toBe('v2');
    expect(inits()).toEqual(['v2']);
  });

  it('runs the events that come while the new code initializes on the old code, then every event on the new one', async () => {
    const { runtime, v2, ran, openGate, inits } = renewable();
    expect(await ran()).toBe('v1');
    let switched = false;
    const renewed = runtime.update(v2(true), true).then(() => {
      switched = true;
    });
    // The old code's idle environment serves while the new one waits at its gate: no event waits for it.
    expect(await ran()).toBe('v1');
    expect(await ran()).toBe('v1');
    expect(switched).toBe(false);
    openGate();
    await renewed;
    expect(await ran()).toBe('v2');
    expect(await ran()).toBe('v2');
    expect(inits()).toEqual(['v2']);
  });

  it('gives an event that finds no idle environment the new one, still initializing, and runs no event on the old code after it', async () => {
    const { runtime, v2, ran, openGate } = renewable({ reservedConcurrency: 2 });
    expect(await ran()).toBe('v1');
    const renewed = runtime.update(v2(true), true);
    // The first takes the old idle environment; the second, with none idle, the new one (which switches).
    const first = ran();
    const second = ran();
    openGate();
    await expect(Promise.all([first, second, renewed])).resolves.toEqual(['v1', 'v2', undefined]);
    expect(await ran()).toBe('v2');
  });

  it('ends a renewal its stop interrupts, the new environment never ready', async () => {
    const { runtime, v2, ran } = renewable();
    expect(await ran()).toBe('v1');
    const renewed = runtime.update(v2(true), true);
    await runtime.stop();
    await expect(renewed).resolves.toBeUndefined();
  });

  it('switches at once when no environment runs yet: the next event starts the new code', async () => {
    const { runtime, v2, ran, inits } = renewable();
    await runtime.update(v2(false), true);
    expect(inits()).toEqual([]);
    expect(await ran()).toBe('v2');
  });
});

describe('FunctionRuntime, metrics records', () => {
  const EMF = {
    _aws: {
      Timestamp: 1_764_000_000_000,
      CloudWatchMetrics: [
        {
          Namespace: 'Orders',
          Dimensions: [['service']],
          Metrics: [
            { Name: 'OrderRecorded', Unit: 'Count' },
            { Name: 'Latency', Unit: 'Milliseconds' },
          ],
        },
      ],
    },
    service: 'record-order',
    OrderRecorded: 1,
    Latency: [12, 15],
  };

  it("shows a function's metrics record in the runtime's log as one short line, and keeps it whole in the invocation's log", async () => {
    const logs: string[] = [];
    const record = JSON.stringify(EMF);
    const runtime = fn(
      `export const handler = async () => { process.stdout.write(${JSON.stringify(`${record}\n`)}); console.log('recorded'); return 'ok'; }`,
      {},
      logs,
    );
    // captureLog: the function's lines as the invocation's log (its tail, its log stream) keeps them.
    const outcome = await runtime.invoke({}, { captureLog: true });
    expect(outcome.ok).toBe(true);
    // The runtime's log gets the function's stdout as it is forwarded, which may be after the answer.
    const deadline = Date.now() + 10_000;
    while (!logs.some((line) => line.endsWith('\tINFO\trecorded')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(logs).toContain('metrics Orders: OrderRecorded=1, Latency=12|15 Milliseconds (the record in log group /aws/lambda/test-fn)');
    expect(logs.some((line) => line.includes('"_aws"'))).toBe(false);
    expect(logs.some((line) => line.endsWith('\tINFO\trecorded'))).toBe(true);
    expect(outcome.logLines).toContain(record);
  });

  it('reads a record written through the console, in the text and the JSON log format', () => {
    const record = JSON.stringify(EMF);
    const shown = 'metrics Orders: OrderRecorded=1, Latency=12|15 Milliseconds (the record in log group /aws/lambda/x)';
    expect(metricsSummary(`2026-11-27T13:00:00.000Z\tabc\tINFO\t${record}`, '/aws/lambda/x')).toBe(shown);
    expect(metricsSummary(JSON.stringify({ timestamp: 't', level: 'INFO', requestId: 'abc', message: record }), '/aws/lambda/x')).toBe(
      shown,
    );
    expect(metricsSummary('{"_aws": not json', '/aws/lambda/x')).toBeUndefined();
    expect(metricsSummary(JSON.stringify({ level: 'INFO', message: 'mentions "_aws"' }), '/aws/lambda/x')).toBeUndefined();
  });
});

describe('parseBatchItemFailures', () => {
  const batch = new Set(['a', 'b']);
  it('treats null, {}, [] and an empty or null list as all succeeded', () => {
    for (const payload of ['null', '{}', '[]', '{"batchItemFailures":[]}', '{"batchItemFailures":null}']) {
      expect(parseBatchItemFailures(payload, batch)).toEqual(new Set());
    }
  });
  it('returns the failed ids', () => {
    expect(parseBatchItemFailures('{"batchItemFailures":[{"itemIdentifier":"b"}]}', batch)).toEqual(new Set(['b']));
  });
  it.each([
    ['not JSON', 'nope'],
    ['an empty identifier', '{"batchItemFailures":[{"itemIdentifier":""}]}'],
    ['a null identifier', '{"batchItemFailures":[{"itemIdentifier":null}]}'],
    ['an identifier not in the batch', '{"batchItemFailures":[{"itemIdentifier":"z"}]}'],
    ['a misspelled key', '{"batchItemFailures":[{"itemId":"a"}]}'],
    ['a list that is not a list', '{"batchItemFailures":"a"}'],
    ['a list answered instead of an object', '[{"itemIdentifier":"a"}]'],
  ])('fails the whole batch for %s', (_name, payload) => {
    expect(parseBatchItemFailures(payload, batch)).toBe('invalid');
  });
});
