import {
  ANY,
  arnOf,
  items,
  type OperationAuthorization,
  type OperationContext,
  type OperationTable,
  on,
  sameNamed,
  text,
} from './shared.js';

const busArn = (nameOrArn: unknown, context: OperationContext) => {
  const value = text(nameOrArn) ?? 'default';
  return value.startsWith('arn:') ? value : arnOf('events', context, `event-bus/${value}`);
};
/** A rule's ARN: `rule/<name>` on the default bus, `rule/<bus>/<name>` on another. */
const ruleArn = (input: Record<string, unknown>, context: OperationContext) => {
  const name = text(input.Name) ?? text(input.Rule) ?? '*';
  if (name.startsWith('arn:')) return name;
  const bus = text(input.EventBusName)?.split('/').pop();
  return arnOf('events', context, bus && bus !== 'default' ? `rule/${bus}/${name}` : `rule/${name}`);
};
const bus = (input: Record<string, unknown>, context: OperationContext) => busArn(input.EventBusName ?? input.Name, context);
const archive = (input: Record<string, unknown>, context: OperationContext) =>
  arnOf('events', context, `archive/${text(input.ArchiveName) ?? '*'}`);
const replay = (input: Record<string, unknown>, context: OperationContext) =>
  arnOf('events', context, `replay/${text(input.ReplayName) ?? '*'}`);
const tagged = (input: Record<string, unknown>, context: OperationContext) => text(input.ResourceARN) ?? arnOf('events', context, '*');

/**
 * PutEvents: one events:PutEvents per bus, source and detail-type among its entries, with
 * the `events:source` and `events:detail-type` condition keys EventBridge supplies.
 */
function putEvents(input: Record<string, unknown>, context: OperationContext): OperationAuthorization[] {
  const seen = new Map<string, OperationAuthorization>();
  for (const entry of items(input.Entries)) {
    const e = (entry ?? {}) as Record<string, unknown>;
    const resource = busArn(e.EventBusName, context);
    const keys: Record<string, string> = {};
    if (text(e.Source)) keys['events:source'] = e.Source as string;
    if (text(e.DetailType)) keys['events:detail-type'] = e.DetailType as string;
    const key = JSON.stringify([resource, keys]);
    if (!seen.has(key)) seen.set(key, on('events:PutEvents', resource, keys));
  }
  return [...seen.values()];
}

/** EventBridge: the action of each operation's name on the bus, rule, archive or replay it names. */
export const eventsOperations: OperationTable = {
  ...sameNamed('events', {
    PutRule: ruleArn,
    DeleteRule: ruleArn,
    DescribeRule: ruleArn,
    EnableRule: ruleArn,
    DisableRule: ruleArn,
    PutTargets: ruleArn,
    RemoveTargets: ruleArn,
    ListTargetsByRule: ruleArn,
    CreateEventBus: bus,
    DeleteEventBus: bus,
    DescribeEventBus: bus,
    UpdateEventBus: bus,
    PutPermission: ANY,
    RemovePermission: ANY,
    CreateArchive: archive,
    DeleteArchive: archive,
    DescribeArchive: archive,
    UpdateArchive: archive,
    StartReplay: replay,
    CancelReplay: replay,
    DescribeReplay: replay,
    TagResource: tagged,
    UntagResource: tagged,
    ListTagsForResource: tagged,
    ListRules: ANY,
    ListEventBuses: ANY,
    ListArchives: ANY,
    ListReplays: ANY,
    ListRuleNamesByTarget: ANY,
    TestEventPattern: ANY,
  }),
  PutEvents: putEvents,
};
