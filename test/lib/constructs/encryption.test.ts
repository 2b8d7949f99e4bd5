import * as path from 'node:path';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { SwitchyardChecks } from '../../../config/checks.js';
import { ChangeCapture } from '../../../lib/constructs/change-capture.js';
import { CircuitBreaker } from '../../../lib/constructs/circuit-breaker.js';
import { SwitchyardEncryption, type SwitchyardEncryptionProps } from '../../../lib/constructs/encryption.js';
import { EventHub } from '../../../lib/constructs/event-hub.js';
import { FileTrigger } from '../../../lib/constructs/file-trigger.js';
import { IdempotencyStore } from '../../../lib/constructs/idempotency-store.js';
import { SwitchyardMonitoring } from '../../../lib/constructs/monitoring.js';
import { QueueConsumer } from '../../../lib/constructs/queue-consumer.js';
import { ScheduledTrigger } from '../../../lib/constructs/scheduled-trigger.js';
import { WebhookIngress } from '../../../lib/constructs/webhook-ingress.js';
import { Workflow } from '../../../lib/constructs/workflow.js';
import { TEST_ENV, testApp } from '../../helpers/synth.js';

const consumerEntry = path.join(import.meta.dirname, '../../../lambdas/workflow-starter/handler.ts');
const webhookEntry = path.join(import.meta.dirname, '../../../lambdas/webhooks/payments.ts');

/** An app's worth of constructs: a bus, a consumer, a workflow, a schedule, a webhook, a breaker, monitoring. */
function app(encryption: SwitchyardEncryptionProps | false = {}, checks = false) {
  const cdkApp = testApp();
  if (checks) Validations.of(cdkApp).addPlugins(new SwitchyardChecks(cdkApp));
  const stack = new Stack(cdkApp, 'Test', { env: TEST_ENV });
  const encrypted = encryption === false ? undefined : new SwitchyardEncryption(stack, 'Encryption', encryption);
  const hub = new EventHub(stack, 'Hub');
  const store = new IdempotencyStore(stack, 'Idempotency');
  new QueueConsumer(stack, 'Consumer', {
    eventBus: hub.eventBus,
    eventPattern: { detailType: ['TicketCreated'] },
    description: 'test',
    handler: { entry: consumerEntry, description: 'test', timeout: Duration.seconds(20) },
  });
  new Workflow(stack, 'Flow', {
    eventBus: hub.eventBus,
    definition: sfn.Pass.jsonata(stack, 'Hello'),
    idempotencyStore: store,
    trigger: { description: 'test', eventPattern: { detailType: ['TicketCreated'] } },
  });
  new ScheduledTrigger(stack, 'Sweep', { eventBus: hub.eventBus, schedule: scheduler.ScheduleExpression.rate(Duration.hours(1)) });
  new WebhookIngress(stack, 'Webhooks', {
    eventBus: hub.eventBus,
    idempotencyStore: store,
    providers: [{ name: 'payments', entry: webhookEntry, description: 'test' }],
  });
  new CircuitBreaker(stack, 'Breaker', { eventBus: hub.eventBus });
  new FileTrigger(stack, 'Uploads', { eventBus: hub.eventBus, name: 'uploads' });
  const orders = new dynamodb.Table(stack, 'Orders', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    ...SwitchyardEncryption.tableEncryption(stack),
  });
  new ChangeCapture(stack, 'OrderChanges', { table: orders, eventBus: hub.eventBus, entity: 'Order' });
  new SwitchyardMonitoring(stack, 'Monitoring');
  return { app: cdkApp, stack, encrypted, template: Template.fromStack(stack) };
}

/** The template of `app()` with its defaults, synthesized once for the tests that only read it (a synthesis takes seconds). */
let defaultTemplate: Template | undefined;
function appTemplate(): Template {
  defaultTemplate ??= app().template;
  return defaultTemplate;
}

/** The logical id of the one key the template holds. */
function keyId(template: Template): string {
  const keys = Object.keys(template.findResources('AWS::KMS::Key'));
  expect(keys).toHaveLength(1);
  return keys[0] as string;
}

const keyArn = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** Every statement of the key's policy. */
function keyStatements(template: Template, id: string): Record<string, unknown>[] {
  return template.toJSON().Resources[id].Properties.KeyPolicy.Statement;
}

/** Every statement of every IAM policy attached to a role whose logical id matches `role`. */
function roleStatements(template: Template, role: RegExp): Record<string, unknown>[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
    (policy.Properties.Roles as { Ref: string }[]).some((r) => role.test(r.Ref)) ? policy.Properties.PolicyDocument.Statement : [],
  );
}

describe('SwitchyardEncryption', () => {
  it('creates one key, rotated, that stays when its stack is deleted for 30 days', () => {
    const template = appTemplate();
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, PendingWindowInDays: 30 });
  });

  it('encrypts every queue with the key', () => {
    const template = appTemplate();
    const id = keyId(template);
    const queues = Object.entries(template.findResources('AWS::SQS::Queue'));
    // The consumer's three, the workflow's status-change DLQ, the schedule's DLQ.
    expect(queues.length).toBeGreaterThanOrEqual(5);
    for (const [name, queue] of queues) {
      expect({ name, key: queue.Properties.KmsMasterKeyId }).toEqual({ name, key: keyArn(id) });
      expect(queue.Properties.SqsManagedSseEnabled).toBeUndefined();
    }
  });

  it('encrypts the bus and its archive with the key', () => {
    const template = appTemplate();
    const id = keyId(template);
    template.hasResourceProperties('AWS::Events::EventBus', { KmsKeyIdentifier: keyArn(id) });
    template.hasResourceProperties('AWS::Events::Archive', { KmsKeyIdentifier: keyArn(id) });
  });

  it('encrypts every table with the key', () => {
    const template = appTemplate();
    const id = keyId(template);
    const tables = Object.values(template.findResources('AWS::DynamoDB::Table'));
    expect(tables.length).toBeGreaterThanOrEqual(2);
    for (const table of tables) {
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn(id) });
    }
  });

  it('encrypts every log group, the webhook secret and the alarm topic with the key', () => {
    const template = appTemplate();
    const id = keyId(template);
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    // Functions' groups, the state machine's, the webhook API's access log.
    expect(groups.length).toBeGreaterThanOrEqual(4);
    for (const group of groups) expect(group.Properties.KmsKeyId).toEqual(keyArn(id));
    template.allResourcesProperties('AWS::SecretsManager::Secret', { KmsKeyId: keyArn(id) });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: keyArn(id) });
  });

  it("lets CloudWatch Logs use the key for this account and region's log groups only", () => {
    const template = appTemplate();
    expect(keyStatements(template, keyId(template))).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
        Condition: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:111111111111:log-group:*']],
            },
          },
        },
      }),
    );
  });

  it('lets EventBridge (this account) and CloudWatch alarms use the key', () => {
    const template = appTemplate();
    const statements = keyStatements(template, keyId(template));
    expect(statements).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Sid: 'AllowCloudWatchAlarmsToPublish', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
    );
  });

  it('lets the schedule role use the key for its dead-letter queue', () => {
    const template = appTemplate();
    const schedule = Object.values(template.findResources('AWS::Scheduler::Schedule'))[0];
    expect(keyStatements(template, keyId(template))).toContainEqual(
      expect.objectContaining({ Principal: { AWS: schedule?.Properties.Target.RoleArn }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] }),
    );
  });

  it('grants the consumer function the key to decrypt its queue, and the table users the key of their table', () => {
    const template = appTemplate();
    const id = keyId(template);
    const decrypts = (role: RegExp) =>
      roleStatements(template, role).some(
        (s) => JSON.stringify(s.Resource) === JSON.stringify(keyArn(id)) && [s.Action].flat().includes('kms:Decrypt'),
      );
    expect(decrypts(/^ConsumerHandlerRole/)).toBe(true);
    // The workflow's starter claims events in the idempotency table.
    expect(decrypts(/^FlowStarter.*Role/)).toBe(true);
    // The webhook function reads its secret and claims deliveries.
    expect(decrypts(/^WebhooksPaymentsHandlerRole/)).toBe(true);
    // The pipe reads the app's table stream (encrypted with the key) and sends failures to its dead-letter queue.
    expect(decrypts(/^OrderChangesRole/)).toBe(true);
  });

  it('takes a key of the app, rotated, and adds its statements to it', () => {
    const stack = new Stack(testApp(), 'Test', { env: TEST_ENV });
    const key = new kms.Key(stack, 'AppKey', { enableKeyRotation: true });
    const encryption = new SwitchyardEncryption(stack, 'Encryption', { key });
    new IdempotencyStore(stack, 'Store');
    expect(encryption.key).toBe(key);
    expect(SwitchyardEncryption.keyOf(stack)).toBe(key);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', { SSESpecification: { KMSMasterKeyId: keyArn(keyId(template)) } });
  });

  it("changes nothing without it: SQS-managed queues, AWS-managed tables, bus and logs, a key of the alarm topic's own", () => {
    const { template } = app(false);
    for (const queue of Object.values(template.findResources('AWS::SQS::Queue'))) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      expect(queue.Properties.KmsMasterKeyId).toBeUndefined();
    }
    template.hasResourceProperties('AWS::Events::EventBus', { KmsKeyIdentifier: Match.absent() });
    // As before: events.Archive writes an empty identifier for the AWS-managed key.
    template.hasResourceProperties('AWS::Events::Archive', { KmsKeyIdentifier: '' });
    template.allResourcesProperties('AWS::DynamoDB::Table', { SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent() } });
    template.allResourcesProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.absent() });
    template.allResourcesProperties('AWS::SecretsManager::Secret', { KmsKeyId: Match.absent() });
    // Only the alarm topic's key, under its own id.
    expect(Object.keys(template.findResources('AWS::KMS::Key'))).toEqual([expect.stringMatching(/^MonitoringAlarmTopicKey/)]);
  });

  it('passes the AwsSolutions checks with the key (the grants name actions, no wildcards left unacknowledged)', () => {
    const { app: cdkApp } = app({}, true);
    expect(() => cdkApp.synth()).not.toThrow();
  });

  it('fails if pendingWindow is out of range', () => {
    const stack = new Stack(testApp(), 'Test', { env: TEST_ENV });
    expect(() => new SwitchyardEncryption(stack, 'Encryption', { pendingWindow: Duration.days(3) })).toThrow(
      'Test/Encryption: pendingWindow must be from 7 to 30 days (got 3 days)',
    );
  });

  it('fails if the key given does not rotate', () => {
    const stack = new Stack(testApp(), 'Test', { env: TEST_ENV });
    const key = new kms.Key(stack, 'AppKey');
    expect(() => new SwitchyardEncryption(stack, 'Encryption', { key })).toThrow(
      'Test/Encryption: key must rotate: create it with enableKeyRotation: true (got false)',
    );
  });

  it('fails if the key given is imported', () => {
    const stack = new Stack(testApp(), 'Test', { env: TEST_ENV });
    const key = kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    expect(() => new SwitchyardEncryption(stack, 'Encryption', { key: key as kms.Key })).toThrow(
      'Test/Encryption: key must be a kms.Key created in this app, whose key policy Switchyard can add to (got an imported key)',
    );
  });

  it('fails if it comes after constructs it would have encrypted, or twice in a stack', () => {
    const late = new Stack(testApp(), 'Late', { env: TEST_ENV });
    new IdempotencyStore(late, 'Store');
    expect(() => new SwitchyardEncryption(late, 'Encryption')).toThrow(
      'Late/Encryption: SwitchyardEncryption must be created before the constructs it encrypts (got it after some of them in this stack)',
    );
    const twice = new Stack(testApp(), 'Twice', { env: TEST_ENV });
    new SwitchyardEncryption(twice, 'Encryption');
    expect(() => new SwitchyardEncryption(twice, 'Again')).toThrow(
      'Twice/Again: a stack takes one SwitchyardEncryption (got a second; the first is Twice/Encryption/Key)',
    );
  });
});
