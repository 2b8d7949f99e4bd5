import { randomUUID } from 'node:crypto';
import {
  CreateArchiveCommand,
  type CreateArchiveCommandInput,
  type CreateArchiveCommandOutput,
  CreateEventBusCommand,
  type CreateEventBusCommandInput,
  type CreateEventBusCommandOutput,
  DeleteArchiveCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  type EventBridgeClient,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  type PutRuleCommandInput,
  type PutRuleCommandOutput,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { AdvanceableClock } from '../../../../local/time/clock.js';
import type { Snapshot } from './snapshot.js';

/** The fixture values of the recording tests (tests/aws/services/events/test_events.py). */
export const TEST_EVENT_PATTERN = {
  source: ['core.update-account-command'],
  'detail-type': ['core.update-account-command'],
  detail: { command: ['update-account'] },
};
export const TEST_EVENT_PATTERN_NO_DETAIL = {
  source: ['core.update-account-command'],
  'detail-type': ['core.update-account-command'],
};
export const TEST_EVENT_DETAIL = { command: 'update-account', payload: { acc_id: '0a787ecb-4015', sf_id: 'baz' } };
export const SPECIAL_EVENT_DETAIL = {
  ...TEST_EVENT_DETAIL,
  listsingle: ['HIGH'],
  listmulti: ['ACTIVE', 'INACTIVE'],
  valid: true,
};

export interface ClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** A queue made as a target (sqs_as_events_target). */
export interface TargetQueue {
  readonly url: string;
  readonly arn: string;
  readonly name: string;
}

/** What a replayed case gets: the client, the snapshot and LocalStack's fixtures, which clean up after the case. */
export interface CaseContext {
  readonly events: EventBridgeClient;
  readonly sqs: SQSClient;
  /** How to make another service's client on the runtime (SNS, Kinesis). */
  readonly clientConfig: ClientConfig;
  readonly snap: Snapshot;
  readonly accountId: string;
  readonly secondaryAccountId: string;
  readonly region: string;
  /** LocalStack's short_uid(). */
  uid(): string;
  createBus(input: CreateEventBusCommandInput): Promise<CreateEventBusCommandOutput>;
  putRule(input: PutRuleCommandInput): Promise<PutRuleCommandOutput>;
  createArchive(input: CreateArchiveCommandInput): Promise<CreateArchiveCommandOutput>;
  /** events_create_default_or_custom_event_bus */
  defaultOrCustomBus(kind: string): Promise<{ name: string; arn: string }>;
  /** A queue ARN as a target (nothing is delivered in these cases). */
  queueArn(): string;
  /** sqs_as_events_target: a queue whose policy lets EventBridge send to it (named `name` if given), deleted after the case. */
  sqsTarget(name?: string): Promise<TargetQueue>;
  /** The runtime's clock, which `wait` moves on. */
  now(): number;
  /** `time.sleep(seconds)` of a test that waits for a schedule: the runtime's clock moves on at once. */
  wait(ms: number): Promise<void>;
}

export type ReplayedCase = (c: CaseContext) => Promise<void>;

/** The tests' rule name (`test-rule-<uid>`), which the snapshot shows as <rule-name>. */
export function ruleName(c: CaseContext): string {
  const rule = `test-rule-${c.uid()}`;
  c.snap.regex(rule, '<rule-name>');
  return rule;
}

/** A rule of TEST_EVENT_PATTERN named by ruleName on `bus` (the default bus if none): its name. */
export async function patternRule(c: CaseContext, bus?: string): Promise<string> {
  const rule = ruleName(c);
  await c.putRule({ Name: rule, EventPattern: JSON.stringify(TEST_EVENT_PATTERN), EventBusName: bus });
  return rule;
}

/** The bus of a test parametrized `default` or `custom`: `default`, or a new `bus-<uid>` the snapshot shows as <bus-name>. */
export async function busOfKind(c: CaseContext, kind: string): Promise<string> {
  if (kind !== 'custom') return kind;
  const bus = `bus-${c.uid()}`;
  c.snap.regex(bus, '<bus-name>');
  await c.createBus({ Name: bus });
  return bus;
}

/** Builds a case's context; `cleanUp` deletes what its fixtures created, as the fixtures' teardown does. */
export function caseContext(
  { events, sqs, clientConfig, clock }: { events: EventBridgeClient; sqs: SQSClient; clientConfig: ClientConfig; clock: AdvanceableClock },
  snap: Snapshot,
  accountId: string,
) {
  const { region } = clientConfig;
  const buses: string[] = [];
  const queues: string[] = [];
  const rules: { name: string; bus?: string }[] = [];
  const archives: string[] = [];
  const uid = () => randomUUID().slice(0, 8);
  const context: CaseContext = {
    events,
    sqs,
    clientConfig,
    snap,
    accountId,
    secondaryAccountId: '222222222222',
    region,
    uid,
    async createBus(input) {
      const output = await events.send(new CreateEventBusCommand(input));
      buses.push(input.Name ?? '');
      return output;
    },
    async putRule(input) {
      const output = await events.send(new PutRuleCommand(input));
      rules.push({ name: input.Name ?? '', bus: input.EventBusName });
      return output;
    },
    async createArchive(input) {
      const output = await events.send(new CreateArchiveCommand(input));
      archives.push(input.ArchiveName ?? '');
      return output;
    },
    async defaultOrCustomBus(kind) {
      if (kind === 'default') return { name: 'default', arn: `arn:aws:events:${region}:${accountId}:event-bus/default` };
      const name = `test-bus-${uid()}`;
      const { EventBusArn } = await context.createBus({ Name: name });
      return { name, arn: EventBusArn ?? '' };
    },
    queueArn: () => `arn:aws:sqs:${region}:${accountId}:queue-${uid()}`,
    now: () => clock.now(),
    wait: (ms) => clock.advanceTo(clock.now() + ms, { timeoutMs: 10_000 }),
    async sqsTarget(named) {
      const name = named ?? `tests-queue-${uid()}`;
      const { QueueUrl: url = '' } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
      queues.push(url);
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
      const arn = Attributes?.QueueArn ?? '';
      const statement = { Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: arn };
      const policy = { Version: '2012-10-17', Statement: [{ Sid: `SendMessage-${uid()}`, ...statement }] };
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: JSON.stringify(policy) } }));
      return { url, arn, name };
    },
  };
  const cleanUp = async () => {
    const quietly = (call: Promise<unknown>) => call.catch(() => undefined);
    for (const name of archives) await quietly(events.send(new DeleteArchiveCommand({ ArchiveName: name })));
    for (const { name, bus } of rules) {
      const targets = await events.send(new ListTargetsByRuleCommand({ Rule: name, EventBusName: bus })).catch(() => undefined);
      const ids = (targets?.Targets ?? []).map((t) => t.Id ?? '');
      if (ids.length > 0) await quietly(events.send(new RemoveTargetsCommand({ Rule: name, EventBusName: bus, Ids: ids })));
      await quietly(events.send(new DeleteRuleCommand({ Name: name, EventBusName: bus })));
    }
    for (const name of buses) await quietly(events.send(new DeleteEventBusCommand({ Name: name })));
    for (const url of queues) await quietly(sqs.send(new DeleteQueueCommand({ QueueUrl: url })));
  };
  return { context, cleanUp };
}
