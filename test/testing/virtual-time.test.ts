import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
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

describe('TestApp virtual time', () => {
  it('runs a 24-hour Wait in well under a second of real time when the test moves the clock', async () => {
    await using app = await startApp({ app: slaApp() }, { virtualTime: true });
    const { executionArn } = await app.clients.sfn.send(
      new StartExecutionCommand({ stateMachineArn: `arn:aws:states:us-east-1:000000000000:stateMachine:sla`, input: '{}' }),
    );
    const describe = () => app.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
    await app.advance('23h');
    expect((await describe()).status).toBe('RUNNING');
    const started = performance.now();
    await app.advance('1h');
    let status = (await describe()).status;
    while (status === 'RUNNING' && performance.now() - started < 5000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = (await describe()).status;
    }
    expect(status).toBe('SUCCEEDED');
    expect(JSON.parse((await describe()).output ?? '{}')).toEqual({ escalated: true });
    // A day of the workflow's time in a moment of the test's.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('runs until nothing waits on the clock', async () => {
    await using app = await startApp({ app: slaApp() }, { virtualTime: true });
    const { executionArn } = await app.clients.sfn.send(
      new StartExecutionCommand({ stateMachineArn: `arn:aws:states:us-east-1:000000000000:stateMachine:sla`, input: '{}' }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
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
