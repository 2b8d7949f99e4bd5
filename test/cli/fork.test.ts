import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { App, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_API_PATHS, READ_API_PREFIX } from '../../clients/read-api-contract.js';
import { FORK_INPUT_KEY } from '../../contracts/fork.js';
import { Workflow } from '../../lib/constructs/index.js';
import { LocalRuntime } from '../../local/runtime.js';
import { credentials, disposableData, eventually, region } from '../local/helpers.js';
import { threeModelSteps } from '../package/fixtures/control-app/lib/control-stack.js';
import { runCli } from './run-cli.js';

let runtime: LocalRuntime;
let target: string[];
let client: SFNClient;
let plainArn: string;
let workflowArn: string;
let bareArn: string;
let cdkOut: string;

beforeAll(async () => {
  cdkOut = mkdtempSync(path.join(tmpdir(), 'switchyard-cli-fork-'));
  const app = new App({ outdir: cdkOut });
  const stack = new Stack(app, 'Writer', { env: { account: '000000000000', region } });
  // Plain aws-cdk-lib: any app's state machine.
  new sfn.StateMachine(stack, 'Plain', {
    stateMachineName: 'plain-writer',
    definitionBody: sfn.DefinitionBody.fromChainable(threeModelSteps(stack, 'P')),
  });
  const bus = new events.EventBus(stack, 'Bus', { eventBusName: 'writer-hub' });
  new Workflow(stack, 'Flow', {
    eventBus: bus,
    stateMachineName: 'workflow-writer',
    definition: threeModelSteps(stack, 'W'),
    forkEntry: true,
  });
  // As a Workflow of an app without the workflowForkEntry flag has it: no fork entry.
  new Workflow(stack, 'Bare', {
    eventBus: bus,
    stateMachineName: 'bare-writer',
    definition: threeModelSteps(stack, 'B'),
    forkEntry: false,
  });
  app.synth();
  runtime = await LocalRuntime.start({ cdkOut, ...disposableData(), port: 0, log: () => {} });
  target = ['--endpoint', runtime.url, '--cdk-out', cdkOut];
  client = new SFNClient({ endpoint: runtime.url, region, credentials });
  const arnOf = (name: string) => runtime.definitions.stateMachines.find((m) => m.name === name)?.arn as string;
  plainArn = arnOf('plain-writer');
  workflowArn = arnOf('workflow-writer');
  bareArn = arnOf('bare-writer');
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

async function modelCalls(): Promise<number> {
  const response = await fetch(`${runtime.url}${READ_API_PREFIX}${READ_API_PATHS.modelCalls}?limit=1000`);
  return ((await response.json()) as { calls: unknown[] }).calls.length;
}

async function succeeded(executionArn: string) {
  return eventually(
    async () => {
      const described = await client.send(new DescribeExecutionCommand({ executionArn }));
      return described.status === 'RUNNING' ? undefined : described;
    },
    30_000,
    `${executionArn} to end`,
  );
}

async function parentOf(stateMachineArn: string, name: string) {
  const { executionArn = '' } = await client.send(
    new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ prompt: 'Outline: a post about otters' }) }),
  );
  expect((await succeeded(executionArn)).status).toBe('SUCCEEDED');
  return executionArn;
}

describe('switchyard fork', () => {
  it("reruns any app's state machine from its third state with an edited prompt, making only that state's model call", async () => {
    const parent = await parentOf(plainArn, 'otters-1');
    const before = await modelCalls();
    const forked = await runCli(['fork', parent, '--from', 'Polish', '--patch', '{"prompt":"Polish: say FORKED"}', '--json', ...target]);
    expect(forked.stderr).toBe('');
    expect(forked.code).toBe(0);
    const answer = JSON.parse(forked.stdout) as { executionArn: string; name: string; parent: string; from: string };
    expect(answer).toMatchObject({ parent, from: 'Polish', name: expect.stringMatching(/^otters-1-fork-/) });
    const described = await succeeded(answer.executionArn);
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? '{}').answer).toContain('say FORKED');
    expect(await modelCalls()).toBe(before + 1);
    // Asked again: the same execution, none started, and the answer says so.
    const again = await runCli(['fork', parent, '--from', 'Polish', '--patch', '{"prompt":"Polish: say FORKED"}', '--json', ...target]);
    expect(JSON.parse(again.stdout)).toMatchObject({ executionArn: answer.executionArn, existing: true });
    expect(await modelCalls()).toBe(before + 1);
  });

  it('forks a Workflow through its fork entry with a plain StartExecution, as it would in AWS', async () => {
    const parent = await parentOf(workflowArn, 'otters-2');
    const before = await modelCalls();
    const forked = await runCli(['fork', 'otters-2', '--from', 'Polish', '--input', '{"prompt":"Polish: by hand"}', ...target]);
    expect(forked.code).toBe(0);
    expect(forked.stderr).toContain('through its fork entry');
    const executionArn = forked.stdout.trim();
    const described = await succeeded(executionArn);
    expect(JSON.parse(described.input ?? '{}')[FORK_INPUT_KEY]).toMatchObject({
      parent,
      from: 'Polish',
      input: { prompt: 'Polish: by hand' },
    });
    expect(JSON.parse(described.output ?? '{}').answer).toContain('by hand');
    expect(await modelCalls()).toBe(before + 1);
    // Asked again after it ended: its execution, nothing started, and never "forked ... as".
    const again = await runCli(['fork', 'otters-2', '--from', 'Polish', '--input', '{"prompt":"Polish: by hand"}', ...target]);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe(executionArn);
    expect(again.stderr).toContain(`nothing started: otters-2 was forked from Polish before, as ${executionArn.split(':').at(-1)}`);
    expect(again.stderr).not.toContain('forked otters-2 from Polish as');
    expect(await modelCalls()).toBe(before + 1);
  });

  it('forks a Workflow without a fork entry locally, saying that AWS could not and naming forkEntry: true', async () => {
    const parent = await parentOf(bareArn, 'otters-6');
    const forked = await runCli(['fork', parent, '--from', 'Polish', ...target]);
    expect(forked.code).toBe(0);
    expect(forked.stderr).toContain('by the local runtime: its state machine has no fork entry, so it cannot be forked in AWS');
    expect(forked.stderr).toContain('forkEntry: true');
    expect((await succeeded(forked.stdout.trim())).status).toBe('SUCCEEDED');
  });

  it('fails if a Workflow without a fork entry is forked in AWS, naming forkEntry: true and the flag', async () => {
    const parent = await parentOf(bareArn, 'otters-7');
    // --aws with the SDK's endpoint variable: the CLI takes it for AWS and talks to this runtime.
    const env = { AWS_ENDPOINT_URL: runtime.url, AWS_REGION: region, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
    const refused = await runCli(['fork', parent, '--from', 'Polish', '--aws', '--cdk-out', cdkOut], { env });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('bare-writer has no fork entry, so it cannot be forked in AWS');
    expect(refused.stderr).toContain('forkEntry: true');
    expect(refused.stderr).toContain('"@switchyard/constructs:workflowForkEntry": true');
  });

  it('fails if the state cannot begin a fork, naming those that can, and starts nothing', async () => {
    const parent = await parentOf(plainArn, 'otters-3');
    const refused = await runCli(['fork', parent, '--from', 'Nowhere', ...target]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'the parent execution never entered a state named Nowhere; a fork can begin at Outline, Outline prompt, Draft',
    );
    const badJson = await runCli(['fork', parent, '--from', 'Draft', '--patch', '{not json', ...target]);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain('--patch must be JSON');
  });

  it('fails if the read API is asked for a fork without JSON, with unknown fields, or by another method', async () => {
    const url = `${runtime.url}${READ_API_PREFIX}${READ_API_PATHS.forks}`;
    const post = (body: string, type = 'application/json') => fetch(url, { method: 'POST', headers: { 'content-type': type }, body });
    const plain = await post('{"executionArn":"x","from":"y"}', 'text/plain');
    expect([plain.status, ((await plain.json()) as { error: string }).error]).toEqual([415, 'UnsupportedMediaType']);
    const unknown = await post('{"executionArn":"x","from":"y","state":"z"}');
    expect(await unknown.json()).toEqual({
      error: 'InvalidParameter',
      message: 'unknown field state: a fork takes executionArn, from, input, patch, effects',
    });
    const missing = await post(
      JSON.stringify({ executionArn: `${plainArn.replace(':stateMachine:', ':execution:')}:nope`, from: 'Draft' }),
    );
    expect(missing.status).toBe(404);
    const deleted = await fetch(url, { method: 'DELETE' });
    expect([deleted.status, deleted.headers.get('allow')]).toEqual([405, 'GET, HEAD, POST']);
    const noParent = await fetch(url);
    expect([noParent.status, ((await noParent.json()) as { message: string }).message]).toEqual([
      400,
      "parent is required: the execution's ARN whose forks to list",
    ]);
  });

  it("shows a fork's parent and the state it began at, and lists an execution's forks, paged in the read API", async () => {
    const parent = await parentOf(plainArn, 'otters-5');
    const fork = async (...edit: string[]) => {
      const answer = JSON.parse((await runCli(['fork', parent, '--from', 'Draft', ...edit, '--json', ...target])).stdout);
      await succeeded(answer.executionArn);
      return answer as { executionArn: string; name: string };
    };
    const first = await fork();
    const second = await fork('--effects', 'rerun');
    const shown = await runCli(['execution', first.executionArn, ...target]);
    expect(shown.stdout).toContain(`\n  fork of otters-5 from Draft\n`);
    expect((await runCli(['execution', second.executionArn, ...target])).stdout).toContain(
      '\n  fork of otters-5 from Draft, effects applied again\n',
    );
    const parentShown = await runCli(['execution', parent, ...target]);
    expect(parentShown.stderr).toBe('');
    expect(parentShown.stdout).toMatch(
      new RegExp(`\\nForks:\\n  ${first.name}  from Draft  SUCCEEDED  started .+\\n  ${second.name}  from Draft  SUCCEEDED  started `),
    );
    expect(JSON.parse((await runCli(['execution', first.executionArn, '--json', ...target])).stdout).fork).toMatchObject({
      parent,
      from: 'Draft',
    });

    const url = `${runtime.url}${READ_API_PREFIX}${READ_API_PATHS.forks}?parent=${encodeURIComponent(parent)}`;
    const page = (await (await fetch(`${url}&limit=1`)).json()) as { forks: { name: string }[]; nextToken?: string };
    expect(page.forks.map((f) => f.name)).toEqual([first.name]);
    const rest = (await (await fetch(`${url}&limit=1&nextToken=${encodeURIComponent(page.nextToken ?? '')}`)).json()) as {
      forks: object[];
      nextToken?: string;
    };
    expect(rest).toEqual({
      forks: [
        {
          executionArn: second.executionArn,
          stateMachineArn: plainArn,
          name: second.name,
          from: 'Draft',
          effects: 'rerun',
          status: 'SUCCEEDED',
          startDate: expect.any(String),
          stopDate: expect.any(String),
        },
      ],
    });
  });

  it('stops a running execution, and says an ended one had ended', async () => {
    const parent = await parentOf(plainArn, 'otters-4');
    const ended = await runCli(['stop', parent, ...target]);
    expect(ended.code).toBe(0);
    expect(ended.stdout).toContain('otters-4 had already ended SUCCEEDED: nothing to stop');
  });
});
