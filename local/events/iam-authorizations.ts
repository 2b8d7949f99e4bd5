import {
  arnOf,
  arnOrName,
  distinct,
  type Input,
  type OperationAuthorization,
  type OperationContext,
  on,
  type ResourceOf,
  records,
  serviceIam,
  text,
} from '../iam/authorizations.js';

/** A bus's ARN from its name or ARN; no name is the default bus. */
const busArnOf = (nameOrArn: unknown, context: OperationContext): string =>
  arnOrName(nameOrArn, (name) => arnOf('events', context, `event-bus/${name}`), 'default');

/** A rule's ARN: `rule/<name>` on the default bus, `rule/<bus>/<name>` on another (the bus given by name or ARN). */
const rule: ResourceOf = (input, context) => {
  const name = text(input.Name) ?? text(input.Rule) ?? '*';
  if (name.startsWith('arn:')) return name;
  const bus = text(input.EventBusName)?.split('/').pop();
  return arnOf('events', context, bus && bus !== 'default' ? `rule/${bus}/${name}` : `rule/${name}`);
};
const bus: ResourceOf = (input, context) => busArnOf(input.Name ?? input.EventBusName, context);
const archive: ResourceOf = (input, context) => arnOf('events', context, `archive/${text(input.ArchiveName) ?? '*'}`);
const replay: ResourceOf = (input, context) => arnOf('events', context, `replay/${text(input.ReplayName) ?? '*'}`);
const tagged: ResourceOf = (input, context) => text(input.ResourceARN) ?? arnOf('events', context, 'rule/*');

/**
 * PutEvents: EventBridge authorizes each entry on its bus, with the entry's source and
 * detail-type as `events:source` and `events:detail-type` (a refused entry fails alone, as
 * AWS answers it in FailedEntries). Entries alike are authorized once.
 */
function putEvents(input: Input, context: OperationContext): OperationAuthorization[] {
  return distinct(
    records(input.Entries).map((entry) => {
      const keys: Record<string, string> = {};
      const source = text(entry.Source);
      const detailType = text(entry.DetailType);
      if (source !== undefined) keys['events:source'] = source;
      if (detailType !== undefined) keys['events:detail-type'] = detailType;
      return on('events:PutEvents', busArnOf(entry.EventBusName, context), keys);
    }),
  );
}

/** How IAM authorizes EventBridge's requests (its module declares it): the action of each operation's name on the bus, rule, archive or replay it names. */
export const eventsIam = serviceIam('events', {
  accessDenied: { code: 'AccessDeniedException', status: 400 },
  unscoped: [
    // The reference gives them no resource: the bus's policy is changed on `*`.
    'PutPermission',
    'RemovePermission',
    'ListRules',
    'ListEventBuses',
    'ListArchives',
    'ListReplays',
    'ListRuleNamesByTarget',
    'TestEventPattern',
  ],
  sameNamed: {
    PutRule: rule,
    DeleteRule: rule,
    DescribeRule: rule,
    EnableRule: rule,
    DisableRule: rule,
    PutTargets: rule,
    RemoveTargets: rule,
    ListTargetsByRule: rule,
    CreateEventBus: bus,
    DeleteEventBus: bus,
    DescribeEventBus: bus,
    UpdateEventBus: bus,
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
  },
  operations: { PutEvents: putEvents },
});
