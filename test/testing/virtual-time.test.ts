import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it, vi } from 'vitest';
import { startApp } from '../../testing/index.js';

/** A workflow with a 24-hour SLA: wait a day, then escalate. */
function slaApp(): App {
  const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'switchyard-testing-sla-')) });
  const stack = new Stack(app, 'Sla');
  const escalate = new sfn.Pass(stack, 'Escalate', { result: sfn.Result.fromObject({ escalated: true }) });
  new sfn.StateMachine(stack, 'Sla', {
    stateMachineName: 'sla',
    definitionBody: sfn.DefinitionBody.fromChainable(
      new sfn.Wait(stack, 'OneDay', { time: sfn.WaitTime.duration(Duration.hours(24)) }).next(escalate),
    ),
  });
  return app;
}

/** An hourly rule into a queue, and a queue for delayed messages. */
function clockApp(): App {
  const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'switchyard-testing-clock-')) });
  const stack = new Stack(app, 'Clock');
  const ticks = new sqs.Queue(stack, 'Ticks', { queueName: 'ticks' });
  new events.Rule(stack, 'Hourly', { schedule: events.Schedule.rate(Duration.hours(1)), targets: [new targets.SqsQueue(ticks)] });
  new sqs.Queue(stack, 'Later', { queueName: 'later' });
  return app;
}

describe('TestApp virtual time', () => {
  it("moves every service's time: an hourly rule fires once per hour passed, a delayed message shows when its delay has", async () => {
    await using app = await startApp({ app: clockApp() }, { virtualTime: true });
    const url = (name: string) => `${app.endpoint}/000000000000/${name}`;
    const receive = async (name: string) =>
      (await app.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: url(name), MaxNumberOfMessages: 10, WaitTimeSeconds: 0 })))
        .Messages ?? [];
    await app.clients.sqs.send(new SendMessageCommand({ QueueUrl: url('later'), MessageBody: 'in 15 minutes', DelaySeconds: 900 }));
    expect(await receive('later')).toEqual([]);
    await app.advance('3h');
    expect((await receive('later')).map((m) => m.Body)).toEqual(['in 15 minutes']);
    // Three hours of an hourly rule in a moment of the test's: each firing, not only the last.
    // Waited for as their deliveries come, with no bound near their real time: a busy machine
    // delivers them later, never fewer (real hours would not pass in the test's minute).
    let ticks = 0;
    await vi.waitFor(
      async () => {
        ticks += (await receive('ticks')).length;
        expect(ticks).toBeGreaterThanOrEqual(3);
      },
      { timeout: 30_000, interval: 20 },
    );
    expect(ticks).toBe(3);
    // A rule fires for ever: it does not keep the app from being idle.
    await app.runUntilIdle({ limit: '1h' });
  });

  it('runs a 24-hour Wait when the test moves the clock a day, not in a day of real time', async () => {
    await using app = await startApp({ app: slaApp() }, { virtualTime: true });
    const { executionArn } = await app.clients.sfn.send(
      new StartExecutionCommand({ stateMachineArn: `arn:aws:states:us-east-1:000000000000:stateMachine:sla`, input: '{}' }),
    );
    if (executionArn === undefined) throw new Error('StartExecution answered without an executionArn');
    const describe = () => app.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
    await app.advance('23h');
    expect((await describe()).status).toBe('RUNNING');
    await app.advance('1h');
    // A day of the workflow's time in a moment of the test's: that it ends at all within the
    // test's timeout says so, with no verdict on how fast this machine is.
    const ended = await app.waitForExecution(executionArn, { timeoutMs: 30_000 });
    expect(ended.status).toBe('SUCCEEDED');
    expect(JSON.parse(ended.output ?? '{}')).toEqual({ escalated: true });
  });

  it('runs until nothing waits on the clock', async () => {
    await using app = await startApp({ app: slaApp() }, { virtualTime: true });
    const { executionArn } = await app.clients.sfn.send(
      new StartExecutionCommand({ stateMachineArn: `arn:aws:states:us-east-1:000000000000:stateMachine:sla`, input: '{}' }),
    );
    // runUntilIdle moves the clock to the Wait's end once the execution waits there (not a
    // guessed real-time pause, which a busy machine can outlast).
    await vi.waitFor(
      async () => {
        const { events = [] } = await app.clients.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
        expect(events.map((e) => e.type)).toContain('WaitStateEntered');
      },
      { timeout: 30_000, interval: 20 },
    );
    await app.runUntilIdle();
    expect((await app.clients.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('SUCCEEDED');
  });

  it('fails if a duration is negative or cannot be read, naming it, and if the app keeps real time', async () => {
    await using app = await startApp({ app: slaApp() }, { virtualTime: true });
    await expect(app.advance(-5)).rejects.toThrow('advance takes a duration of 0 or more, not -5');
    await expect(app.advance('soon')).rejects.toThrow(`not "soon"`);
    await using real = await startApp({ app: slaApp() });
    await expect(real.advance('1h')).rejects.toThrow('start the app with startApp(app, { virtualTime: true })');
  });
});
