import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ListStateMachinesCommand, SFNClient, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../local/runtime.js';
import { writeAssembly } from '../local/assembly.js';
import { credentials, disposableData, region } from '../local/helpers.js';
import { runCli } from './run-cli.js';

/** Retries a failing first state once, then ends as the input asks: succeed, or fail with an error. */
const definition = {
  StartAt: 'Check',
  States: {
    Check: { Type: 'Pass', Next: 'Decide' },
    Decide: {
      Type: 'Choice',
      Choices: [{ Variable: '$.fail', BooleanEquals: true, Next: 'Broken' }],
      Default: 'Done',
    },
    Broken: { Type: 'Fail', Error: 'Ticket.Broken', Cause: 'the input asked for it' },
    Done: { Type: 'Pass', Result: { routed: true }, End: true },
  },
};

const machine = (logging: boolean) => ({
  Type: 'AWS::StepFunctions::StateMachine',
  Properties: {
    StateMachineType: 'EXPRESS',
    RoleArn: 'arn:aws:iam::000000000000:role/flows',
    DefinitionString: JSON.stringify(definition),
    ...(logging
      ? {
          LoggingConfiguration: {
            Level: 'ALL',
            IncludeExecutionData: true,
            Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': ['FlowLogs', 'Arn'] } } }],
          },
        }
      : {}),
  },
});

let runtime: LocalRuntime;
let cdkOut: string;
let target: string[];
let sfn: SFNClient;
let arnOf: (logicalId: string) => string;

beforeAll(async () => {
  cdkOut = writeAssembly(mkdtempSync(path.join(tmpdir(), 'switchyard-cli-express-')), {
    Flows: {
      template: {
        Resources: {
          FlowLogs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/aws/vendedlogs/states/flows-logged' } },
          LoggedStateMachine0A1B2C3D: machine(true),
          UnloggedStateMachine4E5F6A7B: machine(false),
        },
      },
    },
  });
  runtime = await LocalRuntime.start({ cdkOut, ...disposableData(), port: 0, log: () => {} });
  target = ['--endpoint', runtime.url, '--cdk-out', cdkOut];
  sfn = new SFNClient({ endpoint: runtime.url, region, credentials, disableHostPrefix: true });
  const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
  arnOf = (logicalId) => stateMachines.find((m) => m.name?.endsWith(logicalId))?.stateMachineArn as string;
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

const start = async (logicalId: string, name: string, input: object) =>
  (await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: arnOf(logicalId), name, input: JSON.stringify(input) })))
    .executionArn as string;

describe('switchyard executions and execution for Express flows', () => {
  it('lists Express executions from the log group, one per execution, with the status of its terminal event', async () => {
    await start('LoggedStateMachine0A1B2C3D', 'ok-1', { ticketId: 'X-1', fail: false });
    await start('LoggedStateMachine0A1B2C3D', 'bad-1', { ticketId: 'X-2', fail: true });
    const result = await runCli(['executions', '--flow', 'Logged', '--json', ...target]);
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as { name: string; status: string; flow: string; durationMs: number }[];
    expect(rows.map((r) => `${r.flow} ${r.name} ${r.status}`).sort()).toEqual(['Logged bad-1 FAILED', 'Logged ok-1 SUCCEEDED']);
    for (const row of rows) expect(row.durationMs).toBeGreaterThanOrEqual(0);

    const failed = await runCli(['executions', '--flow', 'Logged', '--status', 'FAILED', ...target]);
    expect(failed.stdout).toContain('bad-1');
    expect(failed.stdout).not.toContain('ok-1');
  });

  it('shows an Express execution state by state, by ARN or by name, with its input, output and failure', async () => {
    const arn = await start('LoggedStateMachine0A1B2C3D', 'ok-2', { ticketId: 'X-3', fail: false });
    const byArn = await runCli(['execution', arn, ...target]);
    expect(byArn.code).toBe(0);
    expect(byArn.stdout).toContain('ok-2  SUCCEEDED  (flow Logged)');
    const states = [...byArn.stdout.matchAll(/^ +\d+\. (\w+) {2}\[(\w+)\] {2}(\w+)/gm)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
    expect(states).toEqual(['Check Pass succeeded', 'Decide Choice succeeded', 'Done Pass succeeded']);
    expect(byArn.stdout).toContain('input:  {"ticketId":"X-3","fail":false}');
    expect(byArn.stdout).toContain('output: {"routed":true}');

    await start('LoggedStateMachine0A1B2C3D', 'bad-2', { ticketId: 'X-4', fail: true });
    const byName = await runCli(['execution', 'bad-2', ...target]);
    expect(byName.code).toBe(0);
    expect(byName.stdout).toContain('bad-2  FAILED  (flow Logged)');
    expect(byName.stdout).toContain('Failed: Ticket.Broken');
    expect(byName.stdout).toContain('cause: the input asked for it');
  });

  it('fails if the Express flow has no logging, saying AWS keeps no record', async () => {
    await start('UnloggedStateMachine4E5F6A7B', 'unseen-1', { fail: false });
    const listed = await runCli(['executions', '--flow', 'Unlogged', ...target]);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toContain(
      'Unlogged is an Express flow without logging: AWS keeps no record of Express executions without logging',
    );
    const all = await runCli(['executions', ...target]);
    expect(all.code).toBe(0);
    expect(all.stderr).toContain('(Unlogged is an Express flow without logging');
    const arn = `${arnOf('UnloggedStateMachine4E5F6A7B').replace(':stateMachine:', ':express:')}:unseen-1:00000000-0000-0000-0000-000000000000`;
    const shown = await runCli(['execution', arn, ...target]);
    expect(shown.code).toBe(1);
    expect(shown.stderr).toContain('AWS keeps no record of Express executions without logging');
  });

  it('fails if no Express execution has that ARN or name', async () => {
    const arn = `${arnOf('LoggedStateMachine0A1B2C3D').replace(':stateMachine:', ':express:')}:nope:00000000-0000-0000-0000-000000000000`;
    const byArn = await runCli(['execution', arn, ...target]);
    expect(byArn.code).toBe(1);
    expect(byArn.stderr).toContain(`no execution ${arn} in the log group /aws/vendedlogs/states/flows-logged of Logged`);
    const byName = await runCli(['execution', 'nope', ...target]);
    expect(byName.code).toBe(1);
    expect(byName.stderr).toContain('no execution named "nope" in the app\'s flows (Logged)');
  });
});

describe('switchyard watch for Express flows', () => {
  it('replays a finished execution state by state and exits 0 when it succeeded', async () => {
    await start('LoggedStateMachine0A1B2C3D', 'watch-ok', { fail: false });
    const result = await runCli(['watch', 'watch-ok', '--interval', '100', ...target]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe('watching watch-ok (flow Logged)');
    // Durations are whatever the machine took: only their form is checked.
    expect(lines.slice(1, -1).map((l) => l.replace(/^[\d:.]+ {2}/, '').replace(/ {2}\d+ms$/, '  <ms>'))).toEqual([
      '-> Check  [Pass]',
      '<- Check  succeeded  <ms>',
      '-> Decide  [Choice]',
      '<- Decide  succeeded  <ms>',
      '-> Done  [Pass]',
      '<- Done  succeeded  <ms>',
    ]);
    expect(lines.at(-1)).toMatch(/^SUCCEEDED after \d+ms$/);
  });

  it('fails with exit 1 and the error when the execution failed', async () => {
    await start('LoggedStateMachine0A1B2C3D', 'watch-bad', { fail: true });
    const result = await runCli(['watch', 'watch-bad', ...target], { process: true });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('-> Broken  [Fail]');
    expect(result.stdout).toMatch(/^FAILED after/m);
    expect(result.stderr.trim()).toBe('switchyard watch: watch-bad ended FAILED: Ticket.Broken (the input asked for it)');
  });

  it('fails if no execution is running and none is named', async () => {
    const result = await runCli(['watch', ...target]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('switchyard watch: no running execution in Logged, Unlogged: name one');
  });
});
