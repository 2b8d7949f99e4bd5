import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpServer } from '../../cli/mcp/server.js';
import { LocalRuntime } from '../../local/runtime.js';
import { consumerFixture } from '../local/consumer-fixture.js';
import { credentials, disposableData, region } from '../local/helpers.js';
import { runCli } from './run-cli.js';

/**
 * Issue 66, one name for one thing: each name a command or tool shows a bus, a function or a
 * queue by (describe_app's, the target's deployed names, ARNs and URLs, the logical id, the
 * construct path CDK recorded) fed back to the command and the tool that take that kind of
 * thing. The consumer fixture (test/fixtures/consumer-app.ts): the bus `fixture-bus` (construct
 * `Bus`), a rule on it to the queue `RecorderQueue`, read by the function `RecorderHandler`.
 */
let runtime: LocalRuntime;
let cdkOut: string;
let target: string[];
let mcp: Client;

beforeAll(async () => {
  cdkOut = await consumerFixture();
  runtime = await LocalRuntime.start({ cdkOut, ...disposableData(), port: 0, log: () => {} });
  target = ['--endpoint', runtime.url, '--cdk-out', cdkOut];
  const server = createMcpServer({ endpoint: runtime.url, cdkOut, version: 'test' });
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  mcp = new Client({ name: 'switchyard-test', version: '1.0.0' });
  await mcp.connect(clientSide);
}, 180_000);

afterAll(async () => {
  await mcp?.close();
  await runtime?.stop();
});

async function tool<T = Record<string, unknown>>(name: string, args: Record<string, unknown> = {}): Promise<T> {
  const result = (await mcp.callTool({ name, arguments: args })) as CallToolResult;
  expect(result.isError, `${name} ${JSON.stringify(args)}: ${JSON.stringify(result.content)}`).toBeFalsy();
  return result.structuredContent as T;
}

/**
 * The template's resource of `type` whose logical id begins with `prefix`: its logical id and its
 * construct path, as the assembly records it (`aws:cdk:logicalId` under the path, in the stack's metadata file).
 */
function resource(prefix: string, type: string): { logicalId: string; constructPath: string } {
  const template = JSON.parse(readFileSync(path.join(cdkOut, 'Fixture.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string }>;
  };
  const logicalId = Object.entries(template.Resources).find(([id, r]) => id.startsWith(prefix) && r.Type === type)?.[0];
  const metadata = JSON.parse(readFileSync(path.join(cdkOut, 'Fixture.metadata.json'), 'utf8')) as Record<
    string,
    { type: string; data?: unknown }[]
  >;
  const paths = Object.entries(metadata);
  const constructPath = paths.find(([, entries]) => entries.some((e) => e.type === 'aws:cdk:logicalId' && e.data === logicalId))?.[0];
  if (logicalId === undefined || constructPath === undefined) throw new Error(`no ${type} ${prefix} in the fixture`);
  return { logicalId, constructPath };
}

describe('one name for one thing, in every command and tool', () => {
  it('sends to a bus by every name describe_app shows it by, its logical id and construct path', async () => {
    const app = await tool<{ buses: string[]; rules: { bus: string }[] }>('describe_app');
    const shown = [...new Set([...app.buses, ...app.rules.map((r) => r.bus)])].filter((b) => b !== 'default');
    // The rule's bus is shown by the name the bus list gives, not by its logical id.
    expect(shown).toEqual(['fixture-bus']);
    const bus = resource('Bus', 'AWS::Events::EventBus');
    for (const name of [...shown, bus.logicalId, bus.constructPath, 'Bus']) {
      const sent = await runCli([
        'send',
        'TicketCreated',
        '--detail',
        '{"ticketId":"N-1"}',
        '--source',
        'names',
        '--no-validate',
        '--bus',
        name,
        '--json',
        ...target,
      ]);
      expect(sent.code, `--bus ${name}: ${sent.stderr}`).toBe(0);
      expect(JSON.parse(sent.stdout)).toMatchObject({ bus: 'fixture-bus', sent: 1 });
    }
  });

  it('pauses and resumes a function and a queue by every name the tools and the target show them by', async () => {
    const app = await tool<{ functions: { name: string }[]; queues: { name: string }[] }>('describe_app');
    const { Functions = [] } = await new LambdaClient({ endpoint: runtime.url, region, credentials }).send(new ListFunctionsCommand({}));
    const fn = Functions.find((f) => f.FunctionName?.includes('RecorderHandler'));
    const sqs = new SQSClient({ endpoint: runtime.url, region, credentials });
    const url = (await sqs.send(new ListQueuesCommand({}))).QueueUrls?.find((u) => /RecorderQueue[0-9A-F]{8}$/.test(u)) ?? '';
    const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    const handler = resource('RecorderHandler', 'AWS::Lambda::Function');
    const queue = resource('RecorderQueue', 'AWS::SQS::Queue');
    const names = {
      'function RecorderHandler': [
        ...app.functions.map((f) => f.name).filter((n) => n.startsWith('RecorderHandler')),
        String(fn?.FunctionName),
        String(fn?.FunctionArn),
        handler.logicalId,
        handler.constructPath,
      ],
      'queue RecorderQueue': [
        ...app.queues.map((q) => q.name).filter((n) => n === 'RecorderQueue'),
        url.split('/').at(-1) as string,
        url,
        String(Attributes.QueueArn),
        queue.logicalId,
        queue.constructPath,
      ],
    };
    for (const [thing, shownAs] of Object.entries(names)) {
      expect(shownAs).toHaveLength(new Set(shownAs).size);
      for (const name of shownAs) {
        const paused = await tool<{ targets: { kind: string; name: string }[] }>('pause_flow', { target: name });
        expect(
          paused.targets.map((t) => `${t.kind} ${t.name}`),
          name,
        ).toEqual([thing]);
        const resumed = await runCli(['resume', name, '--json', ...target]);
        expect(resumed.code, `resume ${name}: ${resumed.stderr}`).toBe(0);
        expect(JSON.parse(resumed.stdout).targets.map((t: { kind: string; name: string }) => `${t.kind} ${t.name}`)).toEqual([thing]);
      }
    }
  });

  it('takes a QueueConsumer by its construct name: its function and the queue it drains are one consumer, paused once', async () => {
    // What holds several consumers is refused, listing each (test/cli/consumers.test.ts, app-names.test.ts).
    const paused = await tool<{ targets: { kind: string; name: string }[]; consumers: { consumer: string }[] }>('pause_flow', {
      target: 'Recorder',
    });
    expect(paused.targets.map((t) => `${t.kind} ${t.name}`)).toEqual(['function RecorderHandler', 'queue RecorderQueue']);
    expect(paused.consumers.map((c) => c.consumer)).toEqual(['RecorderQueue -> RecorderHandler']);
    const resumed = await runCli(['resume', 'Recorder', '--json', ...target]);
    expect(resumed.code, `resume Recorder: ${resumed.stderr}`).toBe(0);
    expect(JSON.parse(resumed.stdout).consumers.map((c: { consumer: string }) => c.consumer)).toEqual(['RecorderQueue -> RecorderHandler']);
  });

  it('fails if a name names nothing of the app, listing what it has and what names one', async () => {
    const paused = await runCli(['pause', 'Recorderr', ...target]);
    expect(paused.code).toBe(2);
    expect(paused.stderr).toContain('no flow, function or queue "Recorderr" in the app (what can be paused: functions: RecorderHandler');
    expect(paused.stderr).toContain('name one as the commands list it, or by its logical id, deployed name, ARN or construct path');
    const sent = await runCli([
      'send',
      'TicketCreated',
      '--detail',
      '{}',
      '--source',
      'names',
      '--no-validate',
      '--bus',
      'nope',
      ...target,
    ]);
    expect(sent.code).toBe(1);
    expect(sent.stderr).toContain(
      "no event bus nope: PutEvents would accept the events and drop them, as AWS does (aws events list-event-buses lists the buses; the app's buses: fixture-bus)",
    );
  });
});
