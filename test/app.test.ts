import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
// @ts-expect-error -- asl-validator ships no types
import aslValidator from 'asl-validator';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceName } from '../clients/resource-names.js';
import { CONTRACTS, ENV } from '../domain/index.js';
import { APP_ENV } from '../domain/wiring.js';
import { definitionOf, switchyardTemplate, synthSwitchyardApp, TEST_ENV, WITH_BUNDLED_APP } from './helpers/synth.js';

const BUNDLE_GOAL = 400 * 1024;

/** Every `Validations.of(x).acknowledge()` in the tree (stored as `{ "Annotation::<id>": reason }` metadata). */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .map(([key, reason]) => ({ path: construct.node.path, id: key.replace(/^Annotation::/, ''), reason })),
  );
}

describe('Switchyard app', () => {
  const { app, template } = switchyardTemplate();

  it('passes the cdk-nag AwsSolutions checks with nothing unacknowledged', () => {
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('gives every acknowledged cdk-nag finding a specific reason', () => {
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id, ack.path).toMatch(/^AwsSolutions-[A-Z]+\d+/);
      expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThanOrEqual(40);
    }
  });

  it('fails the cdk-nag checks if a wildcard policy is left unacknowledged', () => {
    const probe = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(probe, 'Probe', { env: TEST_ENV });
    new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }).addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }),
    );
    expect(new AwsSolutionsChecks(probe).validateScope(probe).success).toBe(false);
  });

  it('pipes inserted ticket rows to the hub as TicketCreated, and expires idempotency claims by TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'ticketId', KeyType: 'HASH' }],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    // The tickets' change capture, and the outboxes of the content pipeline's ledger and of triage's routings.
    template.resourceCountIs('AWS::Pipes::Pipe', 3);
    template.hasResourceProperties('AWS::Pipes::Pipe', {
      SourceParameters: { FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }] } },
      TargetParameters: { EventBridgeEventBusParameters: { Source: 'switchyard.helpdesk', DetailType: '$.change.detailType' } },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
  });

  it('runs every Lambda function on nodejs24.x, arm64, with active tracing', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions).length).toBeGreaterThanOrEqual(2);
    // CDK's own bucket notifications provider (Python) runs only while CloudFormation deploys.
    for (const [logicalId, fn] of Object.entries(functions)) {
      if (logicalId.startsWith('BucketNotificationsHandler')) continue;
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' } });
    }
  });

  it('has the bus, archive, schemas, queues with DLQs, partial-failure event sources and the idempotency table', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.resourceCountIs('AWS::Events::Archive', 1);
    template.resourceCountIs('AWS::EventSchemas::Schema', CONTRACTS.length);
    template.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }) });
    template.allResourcesProperties('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'] });
    template.hasResourceProperties('AWS::DynamoDB::Table', { TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true } });
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 4);
  });

  it('tells every queue-fed function where its queue and dead-letter queue are', () => {
    const mapped = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).map((m) => m.Properties.FunctionName.Ref);
    expect(mapped.length).toBeGreaterThanOrEqual(2);
    const functions = template.findResources('AWS::Lambda::Function');
    for (const logicalId of mapped) {
      expect(Object.keys(functions[logicalId]?.Properties.Environment.Variables)).toEqual(
        expect.arrayContaining([ENV.queueUrl, ENV.deadLetterQueueUrl, ENV.maxReceiveCount]),
      );
    }
  });

  it('sets no handler environment variable that the wiring module does not name', () => {
    const known = new Set<string>([
      ...Object.values(ENV),
      ...Object.values(APP_ENV),
      'POWERTOOLS_SERVICE_NAME',
      'POWERTOOLS_METRICS_NAMESPACE',
      'NODE_OPTIONS',
    ]);
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      for (const name of Object.keys(fn.Properties.Environment?.Variables ?? {})) expect(known, name).toContain(name);
    }
  });

  it('has state machine definitions that all pass asl-validator', () => {
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(machines.length).toBeGreaterThan(0);
    for (const machine of machines) {
      const { isValid, errorsText } = aslValidator(definitionOf(machine));
      expect(isValid, errorsText?.('\n')).toBe(true);
    }
  });

  it('runs the content pipeline as one queue consumer per stage plus a projector, and names what a rebuild needs', () => {
    const stageRules = Object.values(template.findResources('AWS::Events::Rule')).filter((r) =>
      JSON.stringify(r.Properties.EventPattern ?? {}).includes('"replay-name":[{"exists":false}]'),
    );
    expect(stageRules).toHaveLength(6);
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['PipelineLedgerTableName', 'PipelineReadModelTableName', 'PipelineProjectorRuleName']),
    );
  });

  it('has a definition asl-validator rejects when a state is broken (the check can fail)', () => {
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const definition = definitionOf(machine as never) as { States: Record<string, Record<string, unknown>> };
    const [first] = Object.keys(definition.States);
    (definition.States[first as string] as Record<string, unknown>).Next = 'NoSuchState';
    expect(aslValidator(definition).isValid).toBe(false);
  });
});

describe.runIf(WITH_BUNDLED_APP)('Switchyard app bundles', () => {
  // A real synthesis with esbuild, as `cdk synth` does (the one the end-to-end suites of this run share); the other tests here skip bundling.
  let outdir: string;
  let manifest: Template;
  let assembly: ReturnType<App['synth']>;

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  beforeAll(() => {
    outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-synth-'));
    ({ template: manifest, assembly } = synthSwitchyardApp(outdir));
    // The run's one synthesis (test/helpers/synth.ts) bundles every function: over a minute on a busy machine.
  }, 300_000);

  it('bundles each handler into one ESM file that loads on the Lambda Node', () => {
    const functions = Object.entries(manifest.findResources('AWS::Lambda::Function'))
      .filter(([logicalId]) => !logicalId.startsWith('BucketNotificationsHandler'))
      .map(([, fn]) => fn);
    const env = {
      ...process.env,
      [ENV.stateMachineArn]: 'arn:aws:states:eu-west-1:111111111111:stateMachine:x',
      [ENV.workflowType]: 'STANDARD',
      [ENV.durableFunctionArn]: 'arn:aws:lambda:eu-west-1:111111111111:function:saga:live',
      [ENV.idempotencyTable]: 'table',
      [APP_ENV.assignmentsTable]: 'assignments',
      [ENV.queueUrl]: 'https://sqs.eu-west-1.amazonaws.com/111111111111/queue',
      [ENV.deadLetterQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/111111111111/dlq',
      [ENV.eventBusName]: 'hub',
      [ENV.webhookProvider]: 'payments',
      [ENV.webhookSecretId]: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:payments-AbCdEf',
      [ENV.webhookMaxBodyBytes]: '262144',
      [ENV.webhookToleranceSeconds]: '300',
      [ENV.webhookPreviousSecretGraceSeconds]: '86400',
      [ENV.fileTriggerName]: 'ticket-attachments',
      [ENV.changeEntity]: 'Ticket',
      [APP_ENV.ordersLedgerTable]: 'ledger',
      [APP_ENV.ordersInventoryTable]: 'inventory',
      [ENV.pipelineStage]: 'script',
      [ENV.pipelineLedgerTable]: 'pipeline-ledger',
      [ENV.pipelineReadModelTable]: 'pipeline-read-model',
      [ENV.modelBudgetTable]: 'budget',
      [ENV.agentModelName]: 'Fast',
      [ENV.agentModelId]: 'amazon.nova-micro-v1:0',
      [APP_ENV.researchLedgerTable]: 'research-ledger',
    };
    for (const fn of functions) {
      const assetPath = fn.Metadata?.['aws:asset:path'] as string;
      const bundle = path.join(assembly.directory, assetPath, 'index.mjs');
      expect(existsSync(bundle), bundle).toBe(true);
      expect(readFileSync(bundle, 'utf8').length).toBeGreaterThan(1000);
      // Import in a fresh Node 24 process, as the Lambda runtime would, and check `handler` is exported.
      const script = `const m = await import(${JSON.stringify(bundle)}); if (typeof m.handler !== 'function') throw new Error('no handler export');`;
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, stdio: 'pipe' });
    }
  });

  it('keeps every handler bundle under 400 KB, the cold-start goal (npm run bench:bundles measures their load)', () => {
    const sizes = Object.entries(manifest.findResources('AWS::Lambda::Function')).flatMap(([logicalId, fn]) => {
      const bundle = path.join(assembly.directory, String(fn.Metadata?.['aws:asset:path']), 'index.mjs');
      // A function CDK provides (bucket notifications) has no esbuild bundle.
      return existsSync(bundle) ? [{ name: resourceName(logicalId), bytes: statSync(bundle).size }] : [];
    });
    expect(sizes.length).toBeGreaterThan(10);
    // The durable functions' Lambda client is the kit's subset (durableLambdaClient), their
    // starters' too; the event-stream codec is left out where no operation streams (eventStreams: false).
    const over = sizes.filter((s) => s.bytes >= BUNDLE_GOAL);
    expect(over.map((s) => `${s.name}: ${Math.round(s.bytes / 1024)} KB`)).toEqual([]);
  });
});
