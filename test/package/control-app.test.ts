import * as path from 'node:path';
import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetDurableExecutionCommand, InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ModelCallsPage } from '../../clients/read-api-contract.js';
import { appEnv, fixtureManifest, installFixtureApp, ok, start, timed, waitFor } from './helpers.js';

const tarballs = inject('switchyardTarballs');
const app = path.join(inject('switchyardPackageWorkDir'), 'control-app');
/** test/package's ports are 4740-4759; this suite's runtime takes 4748. */
const PORT = 4748;
const endpoint = `http://127.0.0.1:${PORT}`;
const aws = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
const account = '000000000000';
const sfnClient = new SFNClient(aws);
const lambda = new LambdaClient({ ...aws, maxAttempts: 1 });
const sqs = new SQSClient(aws);

/** `npx switchyard <args>` in the app, against its runtime. */
const switchyard = (...args: string[]) => ok('npx', ['switchyard', ...args, '--endpoint', endpoint], app);

async function modelCalls(): Promise<number> {
  return ((await (await fetch(`${endpoint}/_switchyard/v1/model-calls?limit=1000`)).json()) as ModelCallsPage).calls.length;
}

async function ended(executionArn: string) {
  return waitFor(`${executionArn} to end`, async () => {
    const described = await sfnClient.send(new DescribeExecutionCommand({ executionArn }));
    return described.status === 'RUNNING' ? undefined : described;
  });
}

async function durableEnded(arn: string) {
  return waitFor(`${arn} to end`, async () => {
    const execution = await lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }));
    return execution.Status === 'RUNNING' ? undefined : execution;
  });
}

/** Runs a Standard execution of three model steps to its end. */
async function parent(stateMachineName: string, name: string): Promise<string> {
  const stateMachineArn = `arn:aws:states:us-east-1:${account}:stateMachine:${stateMachineName}`;
  const { executionArn = '' } = await sfnClient.send(
    new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ prompt: 'Outline: a post about otters' }) }),
  );
  expect((await ended(executionArn)).status).toBe('SUCCEEDED');
  return executionArn;
}

/** The depth of the consumer's queue, or of its dead-letter queue. */
async function queueDepth(which: 'queue' | 'dead letters'): Promise<{ visible: number; inFlight: number }> {
  const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
  const name = (u: string) => u.slice(u.lastIndexOf('/') + 1);
  const fragment = which === 'queue' ? 'CounterQueue' : 'CounterDeadLetterQueue';
  const url = QueueUrls.find((u) => name(u).includes(fragment));
  if (url === undefined) throw new Error(`no ${which} of Counter among ${QueueUrls.join(', ')}`);
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return { visible: Number(Attributes.ApproximateNumberOfMessages), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible) };
}

describe('rerun, stop and pause on the installed packages (fixtures/control-app: plain state machine, Workflow, DurableFlow, queue consumer)', () => {
  let running: ReturnType<typeof start> | undefined;

  afterAll(async () => {
    await running?.stop();
  });

  it('installs, synthesizes and runs under switchyard dev', async () => {
    const manifest = fixtureManifest('control-app', tarballs, {
      dependencies: [
        'aws-cdk-lib',
        'constructs',
        '@aws-sdk/client-bedrock-runtime',
        '@aws-sdk/client-dynamodb',
        '@aws/durable-execution-sdk-js',
      ],
      devDependencies: ['aws-cdk', 'esbuild', 'tsx', '@types/aws-lambda'],
      cli: true,
    });
    installFixtureApp('control-app', app, manifest);
    timed('cdk synth of the control app', () => ok('npx', ['cdk', 'synth', '--quiet'], app));
    running = start('npx', ['switchyard', 'dev', '--port', String(PORT), '--no-watch', '--data', path.join(app, '.data')], app, appEnv());
    await waitFor(
      `switchyard dev to run the control app on ${endpoint}`,
      async () => {
        if (running?.exited()) throw new Error(`switchyard dev exited:\n${running.output()}`);
        const { TableNames = [] } = await new DynamoDBClient(aws).send(new ListTablesCommand({}));
        return TableNames.some((name) => name.includes('Tally')) ? true : undefined;
      },
      180_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- switchyard dev output\n${running?.output()}`);
    });
  });

  it("forks a plain aws-cdk-lib state machine from its third state with an edited prompt: only that state's model call, SUCCEEDED, the edit in its output", async () => {
    const parentArn = await parent('plain-writer', 'otters-1');
    const before = await modelCalls();
    const answer = JSON.parse(switchyard('fork', 'otters-1', '--from', 'Polish', '--patch', '{"prompt":"Polish: say FORKED"}', '--json'));
    expect(answer).toMatchObject({ parent: parentArn, from: 'Polish' });
    const forked = await ended(answer.executionArn);
    expect(forked.status).toBe('SUCCEEDED');
    expect(JSON.parse(forked.output ?? '{}').answer).toContain('say FORKED');
    expect(await modelCalls()).toBe(before + 1);
  });

  it('forks a Workflow through its generated entry with a plain StartExecution', async () => {
    const parentArn = await parent('workflow-writer', 'otters-2');
    const before = await modelCalls();
    const stateMachineArn = `arn:aws:states:us-east-1:${account}:stateMachine:workflow-writer`;
    const input = { switchyardFork: { parent: parentArn, from: 'Polish', effects: 'skip', input: { prompt: 'Polish: by hand' } } };
    const { executionArn = '' } = await sfnClient.send(
      new StartExecutionCommand({ stateMachineArn, name: 'otters-2-by-hand', input: JSON.stringify(input) }),
    );
    const forked = await ended(executionArn);
    expect(forked.status).toBe('SUCCEEDED');
    expect(JSON.parse(forked.output ?? '{}').answer).toContain('by hand');
    expect(await modelCalls()).toBe(before + 1);
  });

  it("forks a DurableFlow's execution from its third step: only that step's model call, SUCCEEDED, the edit in its result", async () => {
    const { Functions = [] } = await lambda.send(new ListFunctionsCommand({}));
    const writer = Functions.find((f) => f.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'writer')?.FunctionName ?? '';
    const started = await lambda.send(
      new InvokeCommand({
        FunctionName: `${writer}:live`,
        DurableExecutionName: 'essay-1',
        Payload: Buffer.from(JSON.stringify({ topic: 'tides', polishPrompt: 'Polish it plainly' })),
      }),
    );
    const parentArn = started.DurableExecutionArn ?? '';
    expect((await durableEnded(parentArn)).Status).toBe('SUCCEEDED');
    const before = await modelCalls();
    const answer = JSON.parse(switchyard('fork', 'essay-1', '--from', 'polish', '--patch', '{"polishPrompt":"Say it in rhyme"}', '--json'));
    expect(answer).toMatchObject({ parent: parentArn, from: 'polish' });
    const forked = await durableEnded(answer.executionArn);
    expect(forked.Status).toBe('SUCCEEDED');
    expect(JSON.parse(forked.Result ?? '{}').polished).toContain('Say it in rhyme');
    expect(await modelCalls()).toBe(before + 1);
  });

  it('holds 100 events sent while a consumer is paused, and once resumed handles each once with nothing dead-lettered', async () => {
    expect(switchyard('pause', 'CounterQueue')).toContain('Paused');
    const events = new EventBridgeClient(aws);
    for (let batch = 0; batch < 10; batch++) {
      const entries = Array.from({ length: 10 }, (_, i) => ({
        EventBusName: 'control-hub',
        Source: 'control.ticks',
        DetailType: 'Tick',
        Detail: JSON.stringify({ id: `tick-${batch * 10 + i}` }),
      }));
      const { FailedEntryCount } = await events.send(new PutEventsCommand({ Entries: entries }));
      expect(FailedEntryCount).toBe(0);
    }
    await waitFor('the 100 ticks in the paused queue', async () => ((await queueDepth('queue')).visible === 100 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await queueDepth('queue')).toEqual({ visible: 100, inFlight: 0 });

    expect(switchyard('resume', 'CounterQueue')).toContain('Resumed');
    const dynamodb = new DynamoDBClient(aws);
    const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
    const table = TableNames.find((name) => name.includes('Tally')) ?? '';
    const items = await waitFor('the 100 ticks counted', async () => {
      const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: table }));
      const ticks = Items.filter((item) => item.id?.S?.startsWith('tick-'));
      return ticks.length === 100 ? ticks : undefined;
    });
    expect(items.every((item) => item.handled?.N === '1')).toBe(true);
    expect(await queueDepth('dead letters')).toEqual({ visible: 0, inFlight: 0 });
  });

  it("serves its MCP tools at /mcp to an agent's client: the app described, an execution forked, a queue paused and resumed, a dead letter found, traced and redriven fixed", async () => {
    const client = new Client({ name: 'control-app-agent', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${endpoint}/mcp`));
    await client.connect(transport);
    const call = async (name: string, args: Record<string, unknown> = {}) => {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      return result.structuredContent as Record<string, unknown>;
    };
    try {
      const { tools } = await client.listTools();
      expect(tools.length).toBeGreaterThanOrEqual(16);
      expect(tools.filter((t) => t.outputSchema === undefined).map((t) => t.name)).toEqual([]);
      expect(JSON.stringify(await call('describe_app'))).toContain('plain-writer');
      const forked = await call('fork_execution', { execution: 'otters-1', from: 'Polish', patch: { prompt: 'Polish: say FORKED' } });
      // The fork the CLI started above: the same fork asked again is the same execution.
      expect(forked).toMatchObject({ from: 'Polish', name: expect.stringMatching(/^otters-1-fork-/) });
      expect(JSON.stringify(await call('pause_flow', { target: 'CounterQueue' }))).toContain('Disabled');
      expect(JSON.stringify(await call('resume_flow', { target: 'CounterQueue' }))).toContain('Enabled');
      const unknown = (await client.callTool({ name: 'get_execution', arguments: { execution: 'no-such-run' } })) as CallToolResult;
      expect(unknown.isError).toBe(true);

      // A note without its text breaks NoteTaken's contract: the agent finds it, reads its trace, redrives it fixed and sends another.
      const { Entries = [] } = await new EventBridgeClient(aws).send(
        new PutEventsCommand({
          Entries: [{ EventBusName: 'control-hub', Source: 'control.notes', DetailType: 'NoteTaken', Detail: '{"noteId":"N-1"}' }],
        }),
      );
      const eventId = Entries[0]?.EventId ?? '';
      const letter = await waitFor('the broken note among the failures', async () => {
        const { failures } = (await call('list_failures')) as { failures: { source: string; id: string; reason?: string }[] };
        return failures.find((f) => f.source.includes('Notes') && f.reason?.includes('InvalidEvent'));
      });
      expect(JSON.stringify(await call('get_trace', { id: eventId }))).toContain(eventId);
      const refused = (await client.callTool({
        name: 'redrive',
        arguments: { source: letter.source, ids: [letter.id] },
      })) as CallToolResult;
      expect(refused.isError).toBe(true);
      await call('redrive', { source: letter.source, ids: [letter.id], detail: { noteId: 'N-1', text: 'fixed' } });
      expect(await call('send_event', { detailType: 'NoteTaken', detail: { noteId: 'N-2', text: 'sent fixed' } })).toMatchObject({
        eventIds: [expect.any(String)],
      });
      const dynamodb = new DynamoDBClient(aws);
      const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
      const table = TableNames.find((name) => name.includes('Tally')) ?? '';
      await waitFor('both notes recorded once', async () => {
        const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: table }));
        const notes = Items.filter((item) => item.id?.S?.startsWith('note-'));
        return notes.length === 2 && notes.every((item) => item.handled?.N === '1') ? true : undefined;
      });
    } finally {
      await transport.terminateSession();
      await client.close();
    }
  });
});
