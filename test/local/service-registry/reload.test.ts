import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient, GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../local/runtime.js';
import { tableResource } from '../../helpers/dynamodb-table-inputs.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { credentials, eventually, region, tempDataDir } from '../helpers.js';
import { assetFunction, eventRule, eventSourceMapping, stateMachine } from '../template-resources.js';

/** This suite's own port (4700-4719 are switchyard dev's tests'). */
const PORT = 4701;
const MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:reload-machine';

/**
 * One app in two versions, as two synths of it would be: v2 changes the function's code (a
 * new asset folder), enables the queue's consumer, changes the rule's pattern and the state
 * machine's result, adds a table, and drops a topic.
 */
function writeVersion(version: 1 | 2): string {
  const dir = tempAssemblyDir();
  const asset = `asset.v${version}`;
  mkdirSync(path.join(dir, asset));
  writeFileSync(
    path.join(dir, asset, 'index.mjs'),
    `export const handler = async (event) => {
  const what = event.Records ? event.Records.map((r) => 'message ' + r.body).join(', ') : 'invoke';
  console.log('handled-by v${version} ' + what);
  return { version: ${version} };
};
`,
  );
  const table = (name: string) => tableResource(name, { key: { pk: 'S' } });
  const definition = {
    StartAt: 'Wait',
    States: { Wait: { Type: 'Wait', Seconds: 1, Next: 'Done' }, Done: { Type: 'Pass', Result: { version }, End: true } },
  };
  return writeAssembly(dir, {
    App: {
      template: {
        Resources: {
          Inbox: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'reload-inbox' } },
          Routed: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'reload-routed' } },
          Fn: assetFunction('reload-fn', asset),
          Mapping: eventSourceMapping('Inbox', 'Fn', { BatchSize: 1, Enabled: version === 2 }),
          Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'reload-bus' } },
          Rule: eventRule({
            bus: 'Bus',
            pattern: { source: [version === 1 ? 'app.v1' : 'app.v2'] },
            target: 'Routed',
            id: 'routed',
            name: 'reload-rule',
          }),
          Machine: stateMachine(definition, { StateMachineName: 'reload-machine', RoleArn: 'arn:aws:iam::000000000000:role/reload' }),
          Items: table('reload-items'),
          ...(version === 2
            ? {
                More: table('reload-more'),
                // A function on a runtime Lambda no longer creates, and another Node.js than this one: the reload says so at once.
                Old: assetFunction('reload-old', asset, { Runtime: 'nodejs14.x' }),
              }
            : { Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'reload-topic' } } }),
        },
      },
    },
  });
}

const folders: string[] = [];
const lines: string[] = [];
let runtime: LocalRuntime;
let v1: string;
let v2: string;
const config = { endpoint: `http://127.0.0.1:${PORT}`, region, credentials };
const sqs = new SQSClient(config);
const sfn = new SFNClient(config);
const dynamodb = new DynamoDBClient(config);

beforeAll(async () => {
  v1 = writeVersion(1);
  v2 = writeVersion(2);
  const data = tempDataDir();
  folders.push(v1, v2, data);
  runtime = await LocalRuntime.start({ cdkOut: v1, dataDir: data, port: PORT, log: (line) => lines.push(line) });
});

afterAll(async () => {
  await runtime?.stop();
  for (const client of [sqs, sfn, dynamodb]) client.destroy();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

async function put(source: string): Promise<void> {
  const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
  const events = new EventBridgeClient(config);
  await events.send(new PutEventsCommand({ Entries: [{ EventBusName: 'reload-bus', Source: source, DetailType: 'T', Detail: '{}' }] }));
  events.destroy();
}

async function routed(): Promise<number> {
  const url = `http://127.0.0.1:${PORT}/000000000000/reload-routed`;
  const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  return Messages?.length ?? 0;
}

async function output(executionArn: string): Promise<string | undefined> {
  const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  return execution.status === 'RUNNING' ? undefined : `${execution.status} ${execution.output}`;
}

describe('LocalRuntime.reload', () => {
  it('fails if the new assembly does not load, changing nothing', async () => {
    const empty = tempAssemblyDir();
    folders.push(empty);
    await expect(runtime.reload(empty)).rejects.toThrow(/manifest\.json/);
    const outcome = await runtime.lambda.invoke('reload-fn', {});
    expect(outcome.ok && JSON.parse(outcome.payload)).toEqual({ version: 1 });
  });

  it('applies the new app in place: new code, mappings, rules and machines run; messages, executions and items are kept', async () => {
    // Before: a warm v1 environment, a message waiting for the disabled consumer, a running execution, an item.
    expect(await runtime.lambda.invoke('reload-fn', {})).toMatchObject({ ok: true });
    await sqs.send(new SendMessageCommand({ QueueUrl: `http://127.0.0.1:${PORT}/000000000000/reload-inbox`, MessageBody: 'm1' }));
    const running = await sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, input: '{}' }));
    await dynamodb.send(new PutItemCommand({ TableName: 'reload-items', Item: { pk: { S: 'kept' } } }));

    const summary = await runtime.reload(v2);

    expect(summary.reloaded).toEqual(
      expect.arrayContaining([
        'function reload-fn (code)',
        'event source mapping reload-inbox -> reload-fn',
        'rule reload-rule',
        'state machine reload-machine',
        'table reload-more (new)',
      ]),
    );
    expect(summary.needsRestart).toEqual(['AWS::SNS::Topic App/Topic was removed (it keeps running until switchyard dev restarts)']);
    expect(summary.warnings).toEqual([
      expect.stringMatching(/^\[not as in AWS\] functions reload-old \(nodejs14\.x\) declare another Node\.js runtime than this machine's/),
      expect.stringMatching(/^\[not as in AWS\] function reload-old \(nodejs14\.x\): Lambda no longer creates functions on nodejs14\.x/),
    ]);
    // The message queued before the reload reaches the new code, once.
    await eventually(
      async () => (lines.some((l) => l.includes('handled-by v2 message m1')) ? true : undefined),
      15_000,
      'm1 to be handled',
    );
    expect(lines.filter((l) => l.includes('message m1'))).toHaveLength(1);
    const outcome = await runtime.lambda.invoke('reload-fn', {});
    expect(outcome.ok && JSON.parse(outcome.payload)).toEqual({ version: 2 });
    // The execution started before keeps its definition; a new one runs the new definition.
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, input: '{}' }));
    expect(await eventually(() => output(running.executionArn ?? ''), 15_000, 'the first execution')).toBe('SUCCEEDED {"version":1}');
    expect(await eventually(() => output(started.executionArn ?? ''), 15_000, 'the second execution')).toBe('SUCCEEDED {"version":2}');
    // The rule routes by its new pattern.
    await put('app.v1');
    await put('app.v2');
    expect(await routed()).toBe(1);
    // Table items stay; the new table exists.
    const item = await dynamodb.send(new GetItemCommand({ TableName: 'reload-items', Key: { pk: { S: 'kept' } } }));
    expect(item.Item?.pk?.S).toBe('kept');
    expect((await dynamodb.send(new ListTablesCommand({}))).TableNames).toEqual(['reload-items', 'reload-more']);
    expect(runtime.definitions.tables.map((t) => t.name)).toContain('reload-more');
  });

  it('reports nothing when the same app is loaded again, its warnings said already', async () => {
    expect(await runtime.reload(v2)).toEqual({ reloaded: [], needsRestart: [], warnings: [] });
  });
});

describe('LambdaService.updateFunctionCode', () => {
  it('runs other code from the next invocation and names the function as running code its template does not hold, until a reload', async () => {
    const folder = path.join(tempAssemblyDir(), 'rebuilt');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'index.mjs'), 'export const handler = async () => ({ version: "rebuilt" });\n');
    await runtime.lambda.updateFunctionCode('reload-fn', folder);
    const outcome = await runtime.lambda.invoke('reload-fn', {});
    expect(outcome.ok && JSON.parse(outcome.payload)).toEqual({ version: 'rebuilt' });
    expect(runtime.lambda.updatedCode(runtime.definitions.functions)).toEqual([{ name: 'reload-fn', codePath: folder }]);
    const report = (await runtime.serviceReports()).flatMap((service) => service.lines ?? []);
    expect(report).toContain(
      '  code newer than cdk.out: reload-fn (rebuilt from the sources since the last synthesis, which the next one writes to cdk.out)',
    );
    // A synthesis's assembly is the code again.
    await runtime.reload(v1);
    expect(runtime.lambda.updatedCode(runtime.definitions.functions)).toEqual([]);
  });

  it('fails if the function does not run here', async () => {
    await expect(runtime.lambda.updateFunctionCode('no-such-fn', '/tmp')).rejects.toMatchObject({ code: 'ResourceNotFoundException' });
  });
});

describe('RuntimeOptions.replacedCode', () => {
  it('starts a function on the code folder given in place of its asset folder, its first environment warmed on it, listed as running code its template does not hold', async () => {
    const folder = path.join(tempAssemblyDir(), 'rebuilt');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'index.mjs'), 'export const handler = async () => ({ version: "rebuilt at start" });\n');
    const data = tempDataDir();
    folders.push(path.dirname(folder), data);
    const replaced = new Map([[path.join(v1, 'asset.v1'), folder]]);
    const started = await LocalRuntime.start({
      cdkOut: v1,
      dataDir: data,
      port: 0,
      warm: true,
      replacedCode: () => replaced,
      log: () => {},
    });
    try {
      await started.warm();
      const outcome = await started.lambda.invoke('reload-fn', {});
      expect(outcome.ok && JSON.parse(outcome.payload)).toEqual({ version: 'rebuilt at start' });
      expect(started.lambda.updatedCode(started.definitions.functions)).toEqual([{ name: 'reload-fn', codePath: folder }]);
    } finally {
      await started.stop();
    }
  });
});
