import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DurableHistoryEvent } from '../../clients/durable-timeline.js';
import type { DurableExecutionDetail } from '../../clients/read-api-contract.js';
import { verifySignature } from '../../local/endpoint/sigv4.js';

/** What this tests of console/src/durable.ts (typed here: the console compiles with the DOM library, the tests without). */
interface DurableModule {
  loadDurable(arn: string): Promise<{
    operations: {
      label: string;
      depth: number;
      kind: string;
      status: string;
      attempts: number;
      failedAttempts: unknown[];
      waitUntil?: Date;
    }[];
    waiting: { label: string; callbackId?: string }[];
    outcome: { status: string };
  }>;
  answerCallback(
    callbackId: string,
    answer: { approve: true; result: string } | { approve: false; errorType: string; reason: string },
  ): Promise<void>;
  durableRows(filter: { status?: string }): Promise<{ type: string; name: string; flow: string }[]>;
  stopDurable(arn: string): Promise<void>;
}

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:order-flow:$LATEST/durable-execution/order-7/2f1c';
const CALLBACK_ID = 'z0iz+Box/nWGt==';
const secrets = new Map([['AKIDCONSOLE', 'console-secret']]);

/** A history as GetDurableExecutionHistory gives it on the wire (epoch seconds): a step retried once, a wait, a callback still open. */
const t = 1_790_000_000;
const events: DurableHistoryEvent[] = [
  { EventType: 'ExecutionStarted', EventTimestamp: t, Id: 'x', Name: 'order-7', ExecutionStartedDetails: { Input: { Payload: '{}' } } },
  { EventType: 'StepStarted', EventTimestamp: t, Id: 's1', Name: 'charge', SubType: 'Step', StepStartedDetails: {} },
  {
    EventType: 'StepFailed',
    EventTimestamp: t + 1,
    Id: 's1',
    Name: 'charge',
    StepFailedDetails: {
      Error: { Payload: { ErrorType: 'Error', ErrorMessage: 'card declined' } },
      RetryDetails: { CurrentAttempt: 1, NextAttemptDelaySeconds: 1 },
    },
  },
  { EventType: 'StepStarted', EventTimestamp: t + 2, Id: 's1', Name: 'charge', StepStartedDetails: {} },
  {
    EventType: 'StepSucceeded',
    EventTimestamp: t + 2,
    Id: 's1',
    Name: 'charge',
    StepSucceededDetails: { Result: { Payload: '"charged"' }, RetryDetails: { CurrentAttempt: 2 } },
  },
  {
    EventType: 'WaitStarted',
    EventTimestamp: t + 2,
    Id: 'w1',
    Name: 'cool-off',
    WaitStartedDetails: { Duration: 60, ScheduledEndTimestamp: t + 62 },
  },
  { EventType: 'ContextStarted', EventTimestamp: t + 3, Id: 'c1', Name: 'approval', SubType: 'WaitForCallback', ContextStartedDetails: {} },
  {
    EventType: 'CallbackStarted',
    EventTimestamp: t + 3,
    Id: 'cb1',
    ParentId: 'c1',
    CallbackStartedDetails: { CallbackId: CALLBACK_ID, Timeout: 600 },
  },
];

let durable: DurableModule;
const asked: { url: string; method: string; headers: Record<string, string>; body: string }[] = [];
let respond: (url: string) => Response;

beforeAll(async () => {
  const items = new Map<string, string>();
  vi.stubGlobal('document', { addEventListener: () => undefined, visibilityState: 'visible' });
  vi.stubGlobal('location', { protocol: 'http:', hostname: '127.0.0.1', port: '4566', host: '127.0.0.1:4566' });
  vi.stubGlobal('sessionStorage', {
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => items.set(k, v),
    removeItem: (k: string) => items.delete(k),
  });
  vi.stubGlobal('fetch', async (url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) => {
    asked.push({ url, method: init.method ?? 'GET', headers: init.headers ?? {}, body: init.body ?? '' });
    return respond(url);
  });
  const { saveCredentials } = await import('../../console/src/credentials.js');
  saveCredentials({ accessKeyId: 'AKIDCONSOLE', secretAccessKey: 'console-secret', region: 'us-east-1' });
  durable = (await import(/* @vite-ignore */ new URL('../../console/src/durable.ts', import.meta.url).href)) as DurableModule;
});
afterAll(() => {
  vi.unstubAllGlobals();
});

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });

describe('the console durable execution page data', () => {
  it('reads one execution from the read API as a timeline: the retried step, the wait with its end, the callback waiting with its id', async () => {
    asked.length = 0;
    const detail: DurableExecutionDetail = {
      execution: {
        durableExecutionArn: ARN,
        name: 'order-7',
        functionName: 'order-flow',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:order-flow:$LATEST',
        status: 'RUNNING',
        startDate: new Date(t * 1000).toISOString(),
      },
      events,
      forks: [],
    };
    respond = () => json(detail);
    const view = await durable.loadDurable(ARN);
    expect(asked[0]?.url).toBe(`/_switchyard/v1/durable-executions/${encodeURIComponent(ARN)}`);
    expect(view.operations.map((o) => [o.label, o.kind, o.status, o.depth])).toEqual([
      ['charge', 'Step', 'SUCCEEDED', 0],
      ['cool-off', 'Wait', 'STARTED', 0],
      ['approval', 'Context', 'STARTED', 0],
      ['approval/callback', 'Callback', 'STARTED', 1],
    ]);
    expect(view.operations[0]).toMatchObject({ attempts: 2, failedAttempts: [{ attempt: 1, retryDelaySeconds: 1 }] });
    expect(view.operations[1]?.waitUntil?.getTime()).toBe((t + 62) * 1000);
    expect(view.waiting).toMatchObject([{ label: 'approval/callback', callbackId: CALLBACK_ID }]);
    expect(view.outcome.status).toBe('RUNNING');
  });

  it("approves a callback with SendDurableExecutionCallbackSuccess's request, signed as the endpoint verifies it", async () => {
    asked.length = 0;
    respond = () => json({});
    await durable.answerCallback(CALLBACK_ID, { approve: true, result: '{"approvedBy":"ana"}' });
    const [request] = asked;
    expect(request).toMatchObject({
      method: 'POST',
      url: `/2025-12-01/durable-execution-callbacks/${encodeURIComponent(CALLBACK_ID)}/succeed`,
      body: '{"approvedBy":"ana"}',
    });
    const signed = { method: 'POST', url: request?.url ?? '', headers: { ...request?.headers, host: '127.0.0.1:4566' } };
    expect(await verifySignature({ ...signed, body: Buffer.from(request?.body ?? '') }, secrets)).toBeUndefined();
    expect((await verifySignature({ ...signed, body: Buffer.from('{}') }, secrets))?.kind).toBe('mismatch');
  });

  it('refuses a callback with SendDurableExecutionCallbackFailure: the error object as the body', async () => {
    asked.length = 0;
    respond = () => json({});
    await durable.answerCallback(CALLBACK_ID, { approve: false, errorType: 'Refused', reason: 'not this one' });
    expect(asked[0]?.url).toMatch(/\/fail$/);
    expect(JSON.parse(asked[0]?.body ?? '')).toEqual({ ErrorType: 'Refused', ErrorMessage: 'not this one' });
  });

  it("fails if Lambda refuses the answer, with its error's code", async () => {
    respond = () => json({ __type: 'CallbackTimeoutException', message: 'The callback timed out.' }, 400);
    await expect(durable.answerCallback(CALLBACK_ID, { approve: true, result: '{}' })).rejects.toMatchObject({
      name: 'AwsCallError',
      code: 'CallbackTimeoutException',
    });
  });

  it("stops an execution with StopDurableExecution's request, signed as the endpoint verifies it", async () => {
    asked.length = 0;
    respond = () => json({ StopTimestamp: t });
    await durable.stopDurable(ARN);
    const [request] = asked;
    expect(request).toMatchObject({ method: 'POST', url: `/2025-12-01/durable-executions/${encodeURIComponent(ARN)}/stop`, body: '{}' });
    const signed = { method: 'POST', url: request?.url ?? '', headers: { ...request?.headers, host: '127.0.0.1:4566' } };
    expect(await verifySignature({ ...signed, body: Buffer.from(request?.body ?? '') }, secrets)).toBeUndefined();
    respond = () => json({ __type: 'ResourceConflictException', message: 'Durable execution is not running' }, 409);
    await expect(durable.stopDurable(ARN)).rejects.toMatchObject({ name: 'AwsCallError', code: 'ResourceConflictException' });
  });

  it('lists durable executions as rows of the Executions page, and none for a status they never have', async () => {
    asked.length = 0;
    respond = () =>
      json({
        executions: [
          { durableExecutionArn: ARN, name: 'order-7', functionName: 'order-flow', functionArn: 'f', status: 'RUNNING', startDate: '' },
        ],
      });
    expect(await durable.durableRows({})).toMatchObject([{ type: 'DURABLE', name: 'order-7', flow: 'order-flow' }]);
    expect(await durable.durableRows({ status: 'ABORTED' })).toEqual([]);
    expect(asked).toHaveLength(1);
  });
});
