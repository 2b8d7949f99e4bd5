import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { durableOperations, waitingCallbacks } from '../../../clients/durable-timeline.js';
import {
  type DurableExecutionDetail,
  type DurableExecutionsPage,
  type Lineage,
  READ_API_PATHS,
  READ_API_PREFIX,
} from '../../../clients/read-api-contract.js';
import { withStarter } from '../../cli/durable-starter.js';
import { eventually } from '../helpers.js';
import { durableApp } from '../lambda/durable/fixture.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

const local = restartableRuntime({
  assembly: () => {
    const app = durableApp();
    withStarter(app);
    return app.cdkOut;
  },
  ownsAssembly: true,
  clients: ({ url }) => ({ lambda: new LambdaClient({ ...sdkConfig(url), maxAttempts: 1 }) }),
});
const arns: string[] = [];

async function read(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${local.runtime.url}${READ_API_PREFIX}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  for (const name of ['ask-1', 'ask-2', 'ask-3']) {
    const started = await local.lambda.send(
      new InvokeCommand({
        FunctionName: 'callback-only:$LATEST',
        InvocationType: 'Event',
        DurableExecutionName: name,
        Payload: Buffer.from('{}'),
      }),
    );
    arns.push(started.DurableExecutionArn ?? '');
  }
});

describe('Read API durable executions', () => {
  it('lists the durable executions of every durable function, newest first, a page at a time', async () => {
    const first = await read(`${READ_API_PATHS.durableExecutions}?limit=2`);
    expect(first.status).toBe(200);
    const page = first.body as unknown as DurableExecutionsPage;
    expect(page.executions.map((e) => e.name)).toEqual(['ask-3', 'ask-2']);
    expect(page.executions[0]).toMatchObject({ functionName: 'callback-only', status: 'RUNNING', durableExecutionArn: arns[2] });
    const rest = await read(`${READ_API_PATHS.durableExecutions}?limit=2&nextToken=${encodeURIComponent(page.nextToken ?? '')}`);
    expect((rest.body as unknown as DurableExecutionsPage).executions.map((e) => e.name)).toEqual(['ask-1']);
    expect(rest.body.nextToken).toBeUndefined();
  });

  it('gives one execution with its history, which the timeline reader reads as the CLI does', async () => {
    const arn = arns[0] ?? '';
    const detail = await eventually(async () => {
      const answer = await read(`${READ_API_PATHS.durableExecutions}/${encodeURIComponent(arn)}`);
      const body = answer.body as unknown as DurableExecutionDetail;
      return waitingCallbacks(durableOperations(body.events)).length > 0 ? body : undefined;
    }, 30_000);
    expect(detail.execution).toMatchObject({ name: 'ask-1', status: 'RUNNING', input: '{}' });
    const [callback] = waitingCallbacks(durableOperations(detail.events));
    expect(callback).toMatchObject({ label: 'answer', kind: 'Callback', status: 'STARTED' });
    expect(callback?.callbackId).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(callback?.startedAt?.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('traces an invocation into the durable execution it started, with its status, as a child in its lineage', async () => {
    const invoked = await local.lambda.send(
      new InvokeCommand({ FunctionName: 'starter', Payload: Buffer.from(JSON.stringify({ name: 'from-starter' })) }),
    );
    const arn = JSON.parse(Buffer.from(invoked.Payload ?? []).toString('utf8')) as string;
    const lineage = await eventually(async () => {
      const answer = await read(`${READ_API_PATHS.lineage}${encodeURIComponent(invoked.$metadata.requestId ?? '')}`);
      return answer.status === 200 ? (answer.body as unknown as Lineage) : undefined;
    });
    const [root] = lineage.roots;
    expect(root?.kind).toBe('invocation');
    expect(root?.children.find((c) => c.id === arn)).toMatchObject({
      kind: 'execution',
      label: 'callback-only durable execution from-starter',
      status: 'running',
      attributes: { type: 'DURABLE', function: 'callback-only', name: 'from-starter' },
    });
  });

  it('fails if the execution does not exist (404) or the status is not a durable one (400)', async () => {
    const missing = await read(`${READ_API_PATHS.durableExecutions}/${encodeURIComponent(`${arns[0]}x`)}`);
    expect(missing).toMatchObject({ status: 404, body: { error: 'NotFound' } });
    const bad = await read(`${READ_API_PATHS.durableExecutions}?status=ABORTED`);
    expect(bad).toMatchObject({ status: 400, body: { error: 'InvalidParameter' } });
  });
});
