import { readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { type PauseAnswer, type PausesPage, READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

/** A queue its function drains, and a schedule and a scheduled rule that invoke it: what the console's Pause stops. */
function writeApp(dir: string): string {
  return writeAssembly(dir, {
    Stack: {
      template: {
        Resources: {
          Inbox: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'pauses-inbox' } },
          Consumer: {
            Type: 'AWS::Lambda::Function',
            Properties: {
              FunctionName: 'pauses-consumer',
              Handler: 'index.handler',
              Runtime: 'nodejs24.x',
              Code: { ZipFile: 'exports.handler = async () => {};' },
            },
          },
          InboxMapping: {
            Type: 'AWS::Lambda::EventSourceMapping',
            Properties: { FunctionName: { Ref: 'Consumer' }, EventSourceArn: { 'Fn::GetAtt': ['Inbox', 'Arn'] } },
          },
          Hourly: {
            Type: 'AWS::Scheduler::Schedule',
            Properties: {
              Name: 'pauses-hourly',
              ScheduleExpression: 'rate(1 hour)',
              FlexibleTimeWindow: { Mode: 'OFF' },
              Target: { Arn: { 'Fn::GetAtt': ['Consumer', 'Arn'] }, RoleArn: 'arn:aws:iam::000000000000:role/pauses-scheduler' },
            },
          },
          Nightly: {
            Type: 'AWS::Events::Rule',
            Properties: {
              Name: 'pauses-nightly',
              ScheduleExpression: 'rate(1 day)',
              Targets: [{ Id: 'consumer', Arn: { 'Fn::GetAtt': ['Consumer', 'Arn'] } }],
            },
          },
        },
      },
    },
  });
}

const app = restartableRuntime({
  assembly: () => writeApp(tempAssemblyDir()),
  ownsAssembly: true,
  clients: (runtime) => ({ lambda: new LambdaClient(sdkConfig(runtime.url)) }),
});

const pauses = (init?: RequestInit) => fetch(`${app.runtime.url}${READ_API_PREFIX}${READ_API_PATHS.pauses}`, init);

describe('the read API /pauses', () => {
  it('lists and pauses the app the runtime runs while its assembly folder is empty, as a synthesis that failed under switchyard dev leaves it', async () => {
    // switchyard dev's failed synthesis empties the folder the runtime loaded: the runtime still runs the app.
    for (const entry of readdirSync(app.cdkOut)) rmSync(path.join(app.cdkOut, entry), { recursive: true, force: true });
    const listed = await pauses();
    expect(listed.status).toBe(200);
    const page = (await listed.json()) as PausesPage;
    expect(page.targets.map((t) => `${t.kind} ${t.name}`)).toEqual(expect.arrayContaining(['function Consumer', 'queue Inbox']));

    const paused = await pauses({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ target: 'pauses-consumer', action: 'pause' }),
    });
    expect(paused.status, await paused.clone().text()).toBe(200);
    const { EventSourceMappings } = await app.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'pauses-consumer' }));
    expect(EventSourceMappings?.map((m) => m.State)).toEqual([expect.stringMatching(/^Disabl(ing|ed)$/)]);
  });

  it("pauses and resumes a function's schedule and scheduled rule in the runtime, each as its service answers it after", async () => {
    const post = (action: 'pause' | 'resume') =>
      pauses({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target: 'Consumer', action }) });
    // The test before paused the function, and so its schedule and rule: a resume starts them again.
    const resumed = (await (await post('resume')).json()) as PauseAnswer;
    const byKind = (answer: PauseAnswer, kind: string) => answer.consumers.find((c) => c.kind === kind);
    expect(byKind(resumed, 'schedule')).toMatchObject({ id: 'default/pauses-hourly', state: 'ENABLED', changed: true });
    expect(byKind(resumed, 'rule')).toMatchObject({ id: 'pauses-nightly', state: 'ENABLED', changed: true });

    const paused = await post('pause');
    expect(paused.status, await paused.clone().text()).toBe(200);
    const report = (await paused.json()) as PauseAnswer;
    expect(byKind(report, 'schedule')).toMatchObject({ id: 'default/pauses-hourly', state: 'DISABLED', changed: true });
    // The schedule's last change as its service keeps it, a time: UpdateSchedule's.
    expect(Date.parse(String(byKind(report, 'schedule')?.since))).not.toBeNaN();
    expect(byKind(report, 'rule')).toMatchObject({ id: 'pauses-nightly', state: 'DISABLED', changed: true });

    const listed = (await (await pauses()).json()) as PausesPage;
    const consumer = listed.targets.find((t) => t.kind === 'function' && t.name === 'Consumer');
    expect(consumer?.consumers.filter((c) => c.kind !== 'mapping').map((c) => [c.kind, c.paused])).toEqual([
      ['schedule', true],
      ['rule', true],
    ]);
  });

  it('fails with 400 InvalidParameter, naming the name, if the app has nothing of that name to pause', async () => {
    const answer = await pauses({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ target: 'no-such-thing', action: 'pause' }),
    });
    expect([answer.status, await answer.text()]).toEqual([400, expect.stringContaining('no-such-thing')]);
  });
});
