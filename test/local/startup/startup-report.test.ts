import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACTS } from '../../../domain/index.js';
import { apiLines, apiTryIt } from '../../../local/apigateway/startup-lines.js';
import type { RuleDefinition } from '../../../local/events/definitions.js';
import { compilePattern, matchesPattern } from '../../../local/events/pattern.js';
import type { AsyncInvokeConfig, FunctionDefinition } from '../../../local/lambda/core/function-definition.js';
import { functionReport } from '../../../local/lambda/startup-lines.js';
import { pipeLines } from '../../../local/pipes/startup-lines.js';
import { serviceDefinitions, TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import type { ServiceDefinitions } from '../../../local/service-registry/service-definitions.js';
import { snsModule } from '../../../local/sns/module.js';
import { sqsModule } from '../../../local/sqs/module.js';
import { queueReport } from '../../../local/sqs/startup-lines.js';
import { type ServiceReport, type StartupReportInput, scheduleLine, startupReport } from '../../../local/startup/startup-report.js';
import { stateMachineReport } from '../../../local/states/startup-lines.js';
import { loadApp } from '../../../local/template/load.js';
import { synthSwitchyardApp, WITH_BUNDLED_APP } from '../../helpers/synth.js';
import { appDefinitions } from '../service-registry/service-definitions.js';

const URL = 'http://127.0.0.1:4566';
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function emptyRoot(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-root-'));
  dirs.push(dir);
  return dir;
}

function rule(name: string, busName: string, eventPattern: unknown, state: 'ENABLED' | 'DISABLED' = 'ENABLED'): RuleDefinition {
  return { name, arn: `arn:aws:events:us-east-1:000000000000:rule/${busName}/${name}`, busName, eventPattern, state, targets: [] };
}

/** What SQS, Lambda and Step Functions report of an app's queues, functions and state machines (their modules' `report`). */
function appServices(app: ServiceDefinitions): ServiceReport[] {
  return [
    queueReport(app.queues, URL, '000000000000'),
    functionReport(app.functions, URL),
    stateMachineReport(app.stateMachines, URL, app),
  ];
}

function report(overrides: Partial<ServiceDefinitions>, input: Partial<StartupReportInput> = {}) {
  const app = appDefinitions(overrides);
  return startupReport({
    url: URL,
    definitions: app,
    warnings: [],
    dataDir: '/data',
    startedSeconds: 1.23,
    root: emptyRoot(),
    ...input,
    services: [...appServices(app), ...(input.services ?? [])],
  });
}

const tryLine = (lines: readonly string[]) => lines.find((line) => line.startsWith('  try: '));

/** The entries of a `put-events --entries '<json>'` hint. */
function hintedEntries(line: string | undefined): Record<string, string>[] {
  const quoted = /--entries '(.*)'$/.exec(line ?? '')?.[1];
  if (quoted === undefined) throw new Error(`no inline entries in ${line}`);
  return JSON.parse(quoted.replace(/'\\''/g, "'"));
}

describe('startupReport', () => {
  it('says where it listens, what the app has and where the data is', () => {
    const { lines } = report({ buses: [{ name: 'orders', arn: 'arn:bus' }], queues: [{ name: 'q', attributes: {}, tags: {} }] });
    expect(lines.slice(0, 4)).toEqual([
      `Switchyard local runtime listening on ${URL} (started in 1.2 s)`,
      '  event buses: orders',
      '  rules: 0, queues: 1, functions: 0, tables: 0, state machines: 0',
      '  data folder: /data',
    ]);
  });

  it('gives each HTTP API stage its local URL, path and Host forms, with its routes', () => {
    const { lines } = startupReport({
      url: URL,
      definitions: appDefinitions(),
      warnings: [],
      dataDir: '/data',
      startedSeconds: 1.2,
      root: emptyRoot(),
      services: [
        {
          serves: apiLines(
            [
              {
                name: 'hooks',
                apiId: 'abcdefghij',
                stage: '$default',
                url: `${URL}/_aws/execute-api/abcdefghij`,
                routes: ['POST /webhooks/payments'],
              },
              {
                kind: 'rest',
                name: 'shop',
                apiId: 'klmnopqrst',
                stage: 'prod',
                url: `${URL}/_aws/execute-api/klmnopqrst/prod`,
                routes: ['GET /items'],
              },
            ],
            URL,
          ),
        },
      ],
    });
    expect(lines).toContain(
      `  http api hooks (abcdefghij, stage $default): ${URL}/_aws/execute-api/abcdefghij (or http://abcdefghij.execute-api.localhost:4566); routes: POST /webhooks/payments`,
    );
    expect(lines).toContain(
      `  rest api shop (klmnopqrst, stage prod): ${URL}/_aws/execute-api/klmnopqrst/prod (or http://klmnopqrst.execute-api.localhost:4566/prod); routes: GET /items`,
    );
  });

  it('says where Bedrock Runtime answers come from, before the data folder', () => {
    const { lines } = report(
      {},
      { services: [{ lines: ['  models: Bedrock Runtime answers are simulated (SWITCHYARD_MODELS=simulated)'] }] },
    );
    const at = lines.indexOf('  models: Bedrock Runtime answers are simulated (SWITCHYARD_MODELS=simulated)');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^ {2}data folder: /);
  });

  it('names the local console with its URL', () => {
    const { lines } = report({ queues: [{ name: 'q', attributes: {}, tags: {} }] });
    expect(lines).toContain(`  console: ${URL}/ (executions, escalations, failures and live events in the browser)`);
  });

  it('names each pipe and stream event source mapping with the table it reads and its target', () => {
    const { lines } = report(
      {},
      {
        services: [
          {
            serves: pipeLines([
              { kind: 'pipe', name: 'tickets-pipe', table: 'Tickets', target: 'arn:aws:events:us-east-1:000000000000:event-bus/hub' },
              { kind: 'event source mapping', name: 'esm-1', table: 'Orders', target: 'arn:aws:lambda:us-east-1:000000000000:function:f' },
            ]),
          },
        ],
      },
    );
    expect(lines).toContain('  pipe tickets-pipe: changes of table Tickets -> arn:aws:events:us-east-1:000000000000:event-bus/hub');
    expect(lines).toContain('  event source mapping esm-1: changes of table Orders -> arn:aws:lambda:us-east-1:000000000000:function:f');
  });

  it('says of a pipe with a batching window how long a record may wait for its batch, so that a lone message arriving late reads as intended', () => {
    const target = 'arn:aws:events:us-east-1:000000000000:event-bus/orders';
    const { lines } = report(
      {},
      {
        services: [
          {
            serves: pipeLines([
              { kind: 'pipe', name: 'batched', queue: 'in', target, batching: { size: 5, windowSeconds: 120 } },
              { kind: 'pipe', name: 'direct', queue: 'in', target },
            ]),
          },
        ],
      },
    );
    expect(lines).toContain(
      `  pipe batched: messages of queue in -> ${target} (batches of up to 5: a record waits up to 120 s for the rest, as on AWS)`,
    );
    expect(lines).toContain(`  pipe direct: messages of queue in -> ${target}`);
  });

  it("suggests an event the first bus's rule matches, built from its pattern", () => {
    const { lines } = report({
      buses: [{ name: 'orders', arn: 'arn:aws:events:us-east-1:000000000000:event-bus/orders' }],
      rules: [
        rule('OnDefault', 'default', { source: ['aws.s3'], 'detail-type': ['Object Created'] }),
        rule('OnOrder', 'orders', {
          source: ['shop.orders'],
          'detail-type': ['OrderPlaced', 'OrderUpdated'],
          detail: { amount: [{ numeric: ['>', 100] }], region: [{ prefix: 'eu-' }], customer: { tier: ['gold'] } },
        }),
      ],
    });
    const line = tryLine(lines);
    expect(line).toMatch(new RegExp(`^  try: aws --endpoint-url ${URL} events put-events --entries '`));
    const [entry, ...more] = hintedEntries(line);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ EventBusName: 'orders', Source: 'shop.orders', DetailType: 'OrderPlaced' });
    expect(JSON.parse(entry?.Detail ?? '')).toEqual({ amount: 101, region: 'eu-', customer: { tier: 'gold' } });
    expect(line).not.toContain('examples/ticket-created.json');
  });

  it("skips a disabled rule, a rule whose pattern it cannot satisfy and a rule for an AWS service's events", () => {
    const { lines } = report({
      rules: [
        rule('Off', 'default', { source: ['a'], 'detail-type': ['b'] }, 'DISABLED'),
        rule('NoSource', 'default', { 'detail-type': ['b'] }),
        rule('Unsatisfiable', 'default', { source: ['a'], 'detail-type': ['b'], detail: { x: [{ 'anything-but': 'y' }] } }),
        // PutEvents refuses an aws.* source: only the service can send it.
        rule('FromS3', 'default', { source: ['aws.s3'], 'detail-type': ['Object Created'] }),
        rule('Plain', 'default', { source: ['c'], 'detail-type': ['d'] }),
      ],
    });
    expect(hintedEntries(tryLine(lines))).toEqual([{ EventBusName: 'default', Source: 'c', DetailType: 'd', Detail: '{}' }]);
  });

  it('suggests a source PutEvents takes for a pattern whose source is any prefix, never an empty one', () => {
    // The pattern `source: [{ prefix: '' }]` matches every event; PutEvents refuses Source "" (InvalidArgument).
    const bus = { name: 'bus', arn: 'arn:aws:events:us-east-1:000000000000:event-bus/bus' };
    const { lines } = report({
      buses: [bus],
      rules: [rule('Empty', 'bus', { source: [''], 'detail-type': ['d'] }), rule('All', 'bus', { source: [{ prefix: '' }] })],
    });
    expect(hintedEntries(tryLine(lines))).toEqual([{ EventBusName: 'bus', Source: 'example', DetailType: 'example', Detail: '{}' }]);
  });

  it('suggests an event with a stand-in source and detail type for a rule that asks for neither, after every rule that names them', () => {
    const bus = { name: 'bus', arn: 'arn:aws:events:us-east-1:000000000000:event-bus/bus' };
    const { lines } = report({ buses: [bus], rules: [rule('AnyFromAccount', 'bus', { account: ['000000000000'] })] });
    expect(hintedEntries(tryLine(lines))).toEqual([{ EventBusName: 'bus', Source: 'example.source', DetailType: 'example', Detail: '{}' }]);
    const named = report({
      buses: [bus],
      rules: [rule('AnyFromAccount', 'bus', { account: ['000000000000'] }), rule('Named', 'bus', { source: ['c'], 'detail-type': ['d'] })],
    });
    expect(hintedEntries(tryLine(named.lines))).toEqual([{ EventBusName: 'bus', Source: 'c', DetailType: 'd', Detail: '{}' }]);
  });

  it("builds the detail from the app's event schema, with what the rule's pattern asks of it laid over", () => {
    const schema = {
      name: 'shop@OrderPlaced',
      sources: ['shop.orders'],
      detailTypes: ['OrderPlaced'],
      detail: {
        type: 'object',
        required: ['orderId', 'currency', 'amount', 'customer'],
        properties: {
          orderId: { type: 'string', minLength: 1, pattern: '^ord-[0-9]+$' },
          currency: { type: 'string', pattern: '^[a-z]{3}$' },
          amount: { type: 'number', minimum: 1 },
          customer: { type: 'object', required: ['id'], properties: { id: { type: 'string' }, tier: { type: 'string' } } },
          note: { type: 'string' },
        },
      },
    };
    const { lines } = report({
      eventSchemas: [{ name: 'other@Unrelated', sources: ['other'], detailTypes: ['Unrelated'], detail: { type: 'object' } }, schema],
      rules: [rule('OnGold', 'default', { 'detail-type': ['OrderPlaced'], detail: { customer: { tier: ['gold'] } } })],
    });
    const [entry] = hintedEntries(tryLine(lines));
    expect(entry).toMatchObject({ EventBusName: 'default', Source: 'shop.orders', DetailType: 'OrderPlaced' });
    expect(JSON.parse(entry?.Detail ?? '')).toEqual({
      orderId: 'ord-0',
      currency: 'aaa',
      amount: 1,
      customer: { id: 'example', tier: 'gold' },
    });
  });

  it('quotes an entry with a single quote for the shell', () => {
    const { lines } = report({ rules: [rule('R', 'default', { source: ["it's"], 'detail-type': ['x'] })] });
    expect(tryLine(lines)).toContain(`"Source":"it'\\''s"`);
    expect(hintedEntries(tryLine(lines))[0]?.Source).toBe("it's");
  });

  it('names examples/ticket-created.json only when it exists and one of its entries matches a rule', () => {
    const root = emptyRoot();
    mkdirSync(path.join(root, 'examples'));
    const entry = { EventBusName: 'hub', Source: 'switchyard.helpdesk', DetailType: 'TicketCreated', Detail: '{"ticketId":"T-1"}' };
    writeFileSync(path.join(root, 'examples', 'ticket-created.json'), JSON.stringify([entry]));
    const matching = { source: ['switchyard.helpdesk'], 'detail-type': ['TicketCreated'] };

    const app = { buses: [{ name: 'hub', arn: 'arn:bus' }], rules: [rule('R', 'hub', matching)] };
    expect(tryLine(report(app, { root }).lines)).toBe(
      `  try: aws --endpoint-url ${URL} events put-events --entries file://examples/ticket-created.json`,
    );
    const otherApp = { buses: [{ name: 'hub', arn: 'arn:bus' }], rules: [rule('R', 'hub', { source: ['shop'], 'detail-type': ['X'] })] };
    expect(tryLine(report(otherApp, { root }).lines)).not.toContain('ticket-created.json');
    const sameEventOtherBus = { buses: [{ name: 'other', arn: 'arn:bus' }], rules: [rule('R', 'other', matching)] };
    expect(tryLine(report(sameEventOtherBus, { root }).lines)).not.toContain('ticket-created.json');
  });

  it('lists queue URLs and state machine ARNs when there is no rule, and suggests sending to the first queue', () => {
    const { lines } = report({
      queues: [
        { name: 'jobs', attributes: {}, tags: {} },
        { name: 'jobs-dlq', attributes: {}, tags: {} },
      ],
      stateMachines: [{ name: 'Flow', arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Flow', type: 'STANDARD', definition: '{}' }],
    });
    expect(lines).toContain(`  queues: ${URL}/000000000000/jobs, ${URL}/000000000000/jobs-dlq`);
    expect(lines).toContain('  state machines: arn:aws:states:us-east-1:000000000000:stateMachine:Flow');
    expect(tryLine(lines)).toBe(
      `  try: aws --endpoint-url ${URL} sqs send-message --queue-url ${URL}/000000000000/jobs --message-body '{}'`,
    );
  });

  it('suggests starting the first state machine when there is neither rule nor queue', () => {
    const arn = 'arn:aws:states:us-east-1:000000000000:stateMachine:Flow';
    const { lines } = report({ stateMachines: [{ name: 'Flow', arn, type: 'STANDARD', definition: '{}' }] });
    expect(tryLine(lines)).toBe(`  try: aws --endpoint-url ${URL} stepfunctions start-execution --state-machine-arn ${arn} --input '{}'`);
  });

  it('suggests starting the state machine no other one starts: a child gets its input from its parent', () => {
    const child = { name: 'Child', arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Child', type: 'STANDARD', definition: '{}' };
    const parentDefinition = JSON.stringify({
      StartAt: 'Run',
      States: {
        Run: { Type: 'Task', Resource: 'arn:aws:states:::states:startExecution', Parameters: { StateMachineArn: child.arn }, End: true },
      },
    });
    const parent = {
      name: 'Parent',
      arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Parent',
      type: 'STANDARD',
      definition: parentDefinition,
    };
    expect(tryLine(report({ stateMachines: [child, parent] }).lines)).toBe(
      `  try: aws --endpoint-url ${URL} stepfunctions start-execution --state-machine-arn ${parent.arn} --input '{}'`,
    );
  });

  describe('for a state machine a rule starts', () => {
    const arn = 'arn:aws:states:eu-west-1:111122223333:stateMachine:Flow';
    const machine = { name: 'Flow', arn, type: 'STANDARD', definition: '{}' };
    const startedBy = (target: Partial<RuleDefinition['targets'][number]>, overrides: Partial<RuleDefinition> = {}): RuleDefinition => ({
      ...rule('FromS3', 'default', { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { bucket: { name: ['uploads'] } } }),
      targets: [{ id: 'Target0', arn, ...target }],
      ...overrides,
    });
    /** The --input of the start-execution suggested. */
    const suggestedInput = (starter: RuleDefinition): unknown => {
      const line = tryLine(report({ stateMachines: [machine], rules: [starter] }).lines) ?? '';
      expect(line).toMatch(
        new RegExp(`^  try: aws --endpoint-url ${URL} stepfunctions start-execution --state-machine-arn ${arn} --input '`),
      );
      return JSON.parse(/--input '(.*)'$/.exec(line)?.[1]?.replaceAll("'\\''", "'") ?? '');
    };

    it("suggests the event the rule delivers, in EventBridge's envelope, when PutEvents cannot send it (an AWS service's source)", () => {
      expect(suggestedInput(startedBy({}))).toEqual({
        version: '0',
        id: expect.any(String),
        'detail-type': 'Object Created',
        source: 'aws.s3',
        account: '111122223333',
        time: expect.any(String),
        region: 'eu-west-1',
        resources: [],
        detail: { bucket: { name: 'uploads' } },
      });
    });

    it("suggests what the target's InputPath, InputTransformer or Input makes of that event", () => {
      expect(suggestedInput(startedBy({ inputPath: '$.detail.bucket' }))).toEqual({ name: 'uploads' });
      const transformer = {
        InputPathsMap: { bucket: '$.detail.bucket.name' },
        InputTemplate: '{"from": <bucket>, "rule": "<aws.events.rule-name>"}',
      };
      expect(suggestedInput(startedBy({ inputTransformer: transformer }))).toEqual({ from: 'uploads', rule: 'FromS3' });
      expect(suggestedInput(startedBy({ input: '{"mode":"nightly"}' }))).toEqual({ mode: 'nightly' });
    });

    it("suggests a schedule's Scheduled Event from aws.events naming the rule", () => {
      const scheduled = startedBy({}, { eventPattern: undefined, scheduleExpression: 'rate(1 hour)' });
      expect(suggestedInput(scheduled)).toMatchObject({
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        resources: [scheduled.arn],
        detail: {},
      });
    });

    it('suggests {} when the rule that targets it is disabled', () => {
      expect(suggestedInput(startedBy({}, { state: 'DISABLED' }))).toEqual({});
    });
  });

  it('tells an app with Express state machines that the AWS CLI sends start-sync-execution to a sync- host, and how to stop it', () => {
    const express = { name: 'Quick', arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Quick', type: 'EXPRESS', definition: '{}' };
    const standard = { name: 'Flow', arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Flow', type: 'STANDARD', definition: '{}' };
    const hint = (lines: readonly string[]) => lines.filter((line) => line.includes('AWS_DISABLE_HOST_PREFIX_INJECTION=true'));
    expect(hint(report({ stateMachines: [standard, express] }).lines)).toEqual([
      '  express state machines (Quick): start-sync-execution goes to sync-127.0.0.1, which does not resolve; set AWS_DISABLE_HOST_PREFIX_INJECTION=true for the AWS CLI and boto3 (disableHostPrefix: true in SDK v3)',
    ]);
    expect(hint(report({ stateMachines: [standard] }).lines)).toEqual([]);
  });

  it('puts each warning on a line of its own', () => {
    expect(report({}, { warnings: ['S/R (AWS::S3::Bucket): no S3 locally'] }).warnings).toEqual([
      '[not as in AWS] S/R (AWS::S3::Bucket): no S3 locally',
    ]);
  });

  it('folds the warnings about more than three resources of one type that say the same into one line', () => {
    const alarms = ['A', 'B', 'C', 'D', 'E'].map((id) => `S/${id} (AWS::CloudWatch::Alarm): no metrics locally`);
    const warnings = ['S/Q (AWS::S3::Bucket): no S3 locally', ...alarms, 'S/Z (AWS::CloudWatch::Alarm): another note'];
    expect(report({}, { warnings }).warnings).toEqual([
      '[not as in AWS] S/Q (AWS::S3::Bucket): no S3 locally',
      '[not as in AWS] 5 resources (AWS::CloudWatch::Alarm: S/A, S/B, S/C, and 2 more): no metrics locally',
      '[not as in AWS] S/Z (AWS::CloudWatch::Alarm): another note',
    ]);
  });

  it('keeps three warnings of one type on lines of their own', () => {
    const three = ['A', 'B', 'C'].map((id) => `S/${id} (AWS::CloudWatch::Alarm): no metrics locally`);
    expect(report({}, { warnings: three }).warnings).toEqual(three.map((w) => `[not as in AWS] ${w}`));
  });
});

describe.runIf(WITH_BUNDLED_APP)('startupReport for the Switchyard app', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-report-app-'));
    synthSwitchyardApp(outdir);
  }, 240_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  function appReport(root: string) {
    const app = loadApp({ cdkOut: outdir, baseUrl: URL, types: TEMPLATE_TYPES });
    const definitions = serviceDefinitions(app);
    const services = appServices(definitions);
    return {
      definitions,
      lines: startupReport({ url: URL, definitions, warnings: [], dataDir: '/data', startedSeconds: 1, root, services }).lines,
    };
  }

  it('suggests examples/ticket-created.json, which its triage rule matches', () => {
    expect(tryLine(appReport(process.cwd()).lines)).toBe(
      `  try: aws --endpoint-url ${URL} events put-events --entries file://examples/ticket-created.json`,
    );
  });

  it("without that file, suggests an event built from the contract's schema in the assembly: its consumers accept it and a rule matches it", () => {
    const { lines, definitions } = appReport(emptyRoot());
    const [entry, ...more] = hintedEntries(tryLine(lines));
    expect(more).toEqual([]);
    const contract = CONTRACTS.find((c) => c.detailType === entry?.DetailType && c.source === entry?.Source);
    expect(contract, `a contract for ${entry?.Source} ${entry?.DetailType}`).toBeDefined();
    const detail = JSON.parse(entry?.Detail ?? '');
    expect(detail).not.toEqual({});
    expect(contract?.validate(detail)).toEqual({ ok: true, value: detail });
    const event = { source: entry?.Source, 'detail-type': entry?.DetailType, detail, account: '000000000000', region: 'us-east-1' };
    const matching = definitions.rules.filter((r) => r.busName === entry?.EventBusName && r.eventPattern !== undefined);
    expect(matching.some((r) => matchesPattern(compilePattern(r.eventPattern), event))).toBe(true);
  });
});

describe('startupReport for apps without rules', () => {
  it('suggests a topic with a subscription, and a topic nothing subscribes to only after invoking a function (its message reaches nothing)', async () => {
    // serverless-patterns cdk-appsync-sns: its API publishes to a topic nothing subscribes to; publishing `hello` to it showed nothing.
    const arn = (name: string) => `arn:aws:sns:us-east-1:000000000000:${name}`;
    const snsWith = (subscribed: readonly string[], topics: readonly string[]) =>
      ({
        ListTopics: async () => ({ Topics: topics.map((name) => ({ TopicArn: arn(name) })) }),
        ListSubscriptionsByTopic: async ({ TopicArn }: { TopicArn: string }) => ({
          Subscriptions: subscribed.some((name) => arn(name) === TopicArn) ? [{ TopicArn }] : [],
        }),
      }) as never;
    const app = appDefinitions({
      functions: [{ name: 'handler', arn: 'arn:aws:lambda:us-east-1:000000000000:function:handler' }] as FunctionDefinition[],
    });
    const context = { url: URL, accountId: '000000000000', definitions: app };
    const tryWith = async (sns: never) => {
      const services = [await snsModule.report?.(sns, context), functionReport(app.functions, URL)].flatMap((r) => (r ? [r] : []));
      return tryLine(
        startupReport({ url: URL, definitions: app, warnings: [], dataDir: '/data', startedSeconds: 1, root: emptyRoot(), services }).lines,
      );
    };
    expect(await tryWith(snsWith(['read'], ['unread', 'read']))).toBe(
      `  try: aws --endpoint-url ${URL} sns publish --topic-arn ${arn('read')} --message hello`,
    );
    expect(await tryWith(snsWith([], ['unread']))).toBe(
      `  try: aws --endpoint-url ${URL} lambda invoke --function-name handler --payload '{}' /dev/stdout`,
    );
  });

  it('suggests publishing to a topic before sending to a queue', () => {
    const { lines } = report(
      { queues: [{ name: 'work', attributes: {}, tags: {} }] },
      {
        services: [
          {
            counts: { topics: 1 },
            tryIt: {
              rank: 1,
              listing: '  topics: arn:aws:sns:us-east-1:000000000000:news',
              command: 'sns publish --topic-arn arn:aws:sns:us-east-1:000000000000:news --message hello',
            },
          },
        ],
      },
    );
    expect(lines.at(-1)).toBe(
      `  try: aws --endpoint-url ${URL} sns publish --topic-arn arn:aws:sns:us-east-1:000000000000:news --message hello`,
    );
  });

  it("suggests a curl of the API's route, not invoking with {} the function that is only the API's authorizer (its event is the API's)", () => {
    // serverless-patterns apigw-secretsmanager-apikey-cdk: a TOKEN authorizer is the app's one function.
    const authorizer = { name: 'authorizer', arn: 'arn:aws:lambda:us-east-1:000000000000:function:authorizer' } as FunctionDefinition;
    const api = {
      apiId: 'a1',
      name: 'keys',
      stage: 'prod',
      url: `${URL}/_aws/execute-api/a1/prod`,
      routes: ['POST /items', 'GET /protected'],
      kind: 'rest' as const,
    };
    const services = [functionReport([authorizer], URL, ['authorizer']), apiTryIt([api])];
    expect(report({}, { services }).lines.at(-1)).toBe(`  try: curl -i ${URL}/_aws/execute-api/a1/prod/protected`);
    // A function that is no authorizer is still invoked first.
    const handler = { name: 'handler', arn: 'arn:aws:lambda:us-east-1:000000000000:function:handler' } as FunctionDefinition;
    const both = [functionReport([authorizer, handler], URL, ['authorizer']), apiTryIt([api])];
    expect(report({}, { services: both }).lines.at(-1)).toBe(
      `  try: aws --endpoint-url ${URL} lambda invoke --function-name handler --payload '{}' /dev/stdout`,
    );
  });

  it("suggests invoking, as an event, the function whose destinations are the app's only queue and other function, not a message for that queue", async () => {
    const arn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
    const fn = (name: string, asyncConfig?: AsyncInvokeConfig) => ({ name, arn: arn(name), ...(asyncConfig ? { asyncConfig } : {}) });
    const app = appDefinitions({
      queues: [{ name: 'failed', attributes: {}, tags: {} }],
      functions: [
        fn('receiver'),
        fn('sender', { onSuccess: arn('receiver'), onFailure: 'arn:aws:sqs:us-east-1:000000000000:failed' }),
      ] as unknown as FunctionDefinition[],
    });
    const context = { url: URL, accountId: '000000000000', definitions: app };
    const services = [await sqsModule.report?.(undefined as never, context), functionReport(app.functions, URL)].flatMap((r) =>
      r ? [r] : [],
    );
    const { lines } = startupReport({
      url: URL,
      definitions: app,
      warnings: [],
      dataDir: '/data',
      startedSeconds: 1,
      root: emptyRoot(),
      services,
    });
    expect(lines).toContain(`  queues: ${URL}/000000000000/failed`);
    expect(tryLine(lines)).toBe(
      `  try: aws --endpoint-url ${URL} lambda invoke --function-name sender --invocation-type Event --payload '{}' /dev/stdout`,
    );
  });

  it('suggests a working queue rather than its dead-letter queue', () => {
    const redrive = JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:a-dlq', maxReceiveCount: 3 });
    const { lines } = report({
      queues: [
        { name: 'a-dlq', attributes: {}, tags: {} },
        { name: 'work', attributes: { RedrivePolicy: redrive }, tags: {} },
      ],
    });
    expect(lines.at(-1)).toBe(`  try: aws --endpoint-url ${URL} sqs send-message --queue-url ${URL}/000000000000/work --message-body '{}'`);
  });
});

describe('startupReport schedules', () => {
  it('names each schedule and scheduled rule with its next firing', () => {
    const { lines } = report(
      {},
      {
        services: [
          {
            serves: [
              {
                label: 'schedule default/sweep',
                expression: 'rate(1 hour)',
                timeZone: 'Etc/UTC',
                enabled: true,
                next: Date.UTC(2026, 0, 1, 11),
              },
              {
                label: 'schedule default/morning',
                expression: 'cron(0 9 * * ? *)',
                timeZone: 'Europe/Berlin',
                enabled: true,
                next: Date.UTC(2026, 0, 2, 8),
              },
              { label: 'schedule default/off', expression: 'rate(5 minutes)', enabled: false },
              { label: 'rule nightly', expression: 'cron(0 3 * * ? *)', enabled: true },
            ].map(scheduleLine),
          },
        ],
      },
    );
    expect(lines.filter((line) => line.startsWith('  schedule') || line.startsWith('  rule '))).toEqual([
      '  schedule default/sweep: rate(1 hour), next 2026-01-01T11:00:00Z',
      '  schedule default/morning: cron(0 9 * * ? *) (Europe/Berlin), next 2026-01-02T08:00:00Z',
      '  schedule default/off: rate(5 minutes), disabled',
      '  rule nightly: cron(0 3 * * ? *), no firing left',
    ]);
  });
});
