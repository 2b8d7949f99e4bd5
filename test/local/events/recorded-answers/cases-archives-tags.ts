/** Replays of LocalStack's tests/aws/services/events/test_archive_and_replay.py (TestArchive) and test_events_tags.py. */
import {
  CreateArchiveCommand,
  DeleteArchiveCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  DescribeArchiveCommand,
  ListArchivesCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateArchiveCommand,
} from '@aws-sdk/client-eventbridge';
import { type CaseContext, type ReplayedCase, TEST_EVENT_PATTERN, TEST_EVENT_PATTERN_NO_DETAIL } from './context.js';
import { answerOf, failure } from './snapshot.js';

/** A bus of `kind` with one archive on it, and the transformers the archive tests add. */
async function archived(c: CaseContext, kind: string, name = `test-archive-${c.uid()}`) {
  const bus = await c.defaultOrCustomBus(kind);
  const created = await c.createArchive({
    ArchiveName: name,
    EventSourceArn: bus.arn,
    Description: 'description of the archive',
    EventPattern: JSON.stringify(TEST_EVENT_PATTERN),
    RetentionDays: 1,
  });
  c.snap.regex(bus.name, '<event-bus-name>');
  c.snap.regex(name, '<archive-name>');
  return { bus, name, created };
}

async function archiveLifecycle(c: CaseContext, kind: string) {
  const { name, created } = await archived(c, kind);
  c.snap.match('create-archive', answerOf(created));
  c.snap.match('list-archives', answerOf(await c.events.send(new ListArchivesCommand({ NamePrefix: name }))));
  c.snap.match('describe-archive', answerOf(await c.events.send(new DescribeArchiveCommand({ ArchiveName: name }))));
  const update = new UpdateArchiveCommand({
    ArchiveName: name,
    Description: 'updated description of the archive',
    EventPattern: JSON.stringify(TEST_EVENT_PATTERN_NO_DETAIL),
    RetentionDays: 2,
  });
  c.snap.match('update-archive', answerOf(await c.events.send(update)));
  c.snap.match('delete-archive', answerOf(await c.events.send(new DeleteArchiveCommand({ ArchiveName: name }))));
}

async function duplicateArchive(c: CaseContext, kind: string) {
  const { bus, name } = await archived(c, kind);
  const again = new CreateArchiveCommand({
    ArchiveName: name,
    EventSourceArn: bus.arn,
    Description: 'description of the archive',
    EventPattern: JSON.stringify(TEST_EVENT_PATTERN),
    RetentionDays: 1,
  });
  c.snap.match('create-archive-duplicate-error', await failure(() => c.events.send(again)));
}

/** The ARN a tag test tags (tests_tag_untag_resource, test_recreate_tagged_resource_without_tags). */
async function taggable(c: CaseContext, resource: string, busKind: string) {
  let bus = 'default';
  let arn = `arn:aws:events:${c.region}:${c.accountId}:event-bus/default`;
  if (busKind === 'event_bus_custom') {
    bus = `test_bus-${c.uid()}`;
    arn = (await c.createBus({ Name: bus })).EventBusArn ?? '';
  }
  if (resource === 'event_bus') return { bus, arn };
  const rule = `test_rule-${c.uid()}`;
  const { RuleArn } = await c.putRule({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify(TEST_EVENT_PATTERN) });
  return { bus, arn: RuleArn ?? '', rule };
}

async function tagUntag(c: CaseContext, resource: string, busKind: string) {
  const { arn } = await taggable(c, resource, busKind);
  const tags = [
    { Key: 'tag1', Value: 'value1' },
    { Key: 'tag2', Value: 'value2' },
  ];
  c.snap.match('tag_resource', answerOf(await c.events.send(new TagResourceCommand({ ResourceARN: arn, Tags: tags }))));
  c.snap.match('list_tags_for_resource', answerOf(await c.events.send(new ListTagsForResourceCommand({ ResourceARN: arn }))));
  c.snap.match('untag_resource', answerOf(await c.events.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['tag2'] }))));
  c.snap.match('list_tags_for_untagged_resource', answerOf(await c.events.send(new ListTagsForResourceCommand({ ResourceARN: arn }))));
  const missingKey = new UntagResourceCommand({ ResourceARN: arn, TagKeys: [`not_existing_tag-${c.uid()}`] });
  c.snap.match('untag_resource_not_existing_tag', answerOf(await c.events.send(missingKey)));
  if (busKind === 'event_bus_default' && resource === 'event_bus') {
    // The default bus outlives the case; the recording's account kept tag1 on it (see test_recreate_tagged_resource_without_tags).
    await c.events.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['tag1'] }));
  }
}

async function recreateWithoutTags(c: CaseContext, resource: string, busKind: string) {
  const { bus, arn, rule } = await taggable(c, resource, busKind);
  await c.events.send(new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'tag1', Value: 'value1' }] }));
  if (resource === 'event_bus' && busKind === 'event_bus_custom') {
    await c.events.send(new DeleteEventBusCommand({ Name: bus }));
    await c.createBus({ Name: bus });
  }
  if (rule !== undefined) {
    await c.events.send(new DeleteRuleCommand({ Name: rule, EventBusName: bus }));
    await c.putRule({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify(TEST_EVENT_PATTERN) });
  }
  c.snap.match('list_tags_for_resource', answerOf(await c.events.send(new ListTagsForResourceCommand({ ResourceARN: arn }))));
  if (resource === 'event_bus' && busKind === 'event_bus_default') {
    await c.events.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['tag1'] }));
  }
}

async function missingTagged(c: CaseContext, kind: 'rule' | 'event-bus') {
  const name = c.uid();
  const arn = `arn:aws:events:${c.region}:${c.accountId}:${kind}/${name}`;
  c.snap.regex(name, '<not-existing-resource-name>');
  const tag = new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: 'tag1', Value: 'value1' }] });
  c.snap.match('tag_not_existing_resource_error', await failure(() => c.events.send(tag)));
  c.snap.match(
    'list_tags_for_not_existing_resource_error',
    await failure(() => c.events.send(new ListTagsForResourceCommand({ ResourceARN: arn }))),
  );
  const untag = new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['tag1'] });
  c.snap.match('untag_not_existing_resource_error', await failure(() => c.events.send(untag)));
}

export const archiveCases: Record<string, ReplayedCase> = {
  'TestArchive::test_create_archive_error_duplicate[custom]': (c) => duplicateArchive(c, 'custom'),
  'TestArchive::test_create_archive_error_duplicate[default]': (c) => duplicateArchive(c, 'default'),
  'TestArchive::test_create_archive_error_unknown_event_bus': async (c) => {
    const bus = `doesnotexist-${c.uid()}`;
    c.snap.regex(bus, '<event-bus-name>');
    const create = new CreateArchiveCommand({
      ArchiveName: 'test-archive',
      EventSourceArn: `arn:aws:events:us-east-1:123456789012:event-bus/${bus}`,
      Description: 'description of the archive',
      EventPattern: JSON.stringify(TEST_EVENT_PATTERN),
      RetentionDays: 1,
    });
    c.snap.match('create-archive-unknown-event-bus-error', await failure(() => c.events.send(create)));
  },
  'TestArchive::test_create_list_describe_update_delete_archive[custom]': (c) => archiveLifecycle(c, 'custom'),
  'TestArchive::test_create_list_describe_update_delete_archive[default]': (c) => archiveLifecycle(c, 'default'),
  'TestArchive::test_delete_archive_error_unknown_archive': async (c) => {
    const name = `doesnotexist-${c.uid()}`;
    c.snap.regex(name, '<archive-name>');
    c.snap.match(
      'delete-archive-unknown-archive-error',
      await failure(() => c.events.send(new DeleteArchiveCommand({ ArchiveName: name }))),
    );
  },
  'TestArchive::test_describe_archive_error_unknown_archive': async (c) => {
    const name = `doesnotexist-${c.uid()}`;
    c.snap.regex(name, '<archive-name>');
    c.snap.match(
      'describe-archive-unknown-archive-error',
      await failure(() => c.events.send(new DescribeArchiveCommand({ ArchiveName: name }))),
    );
  },
  'TestArchive::test_list_archive_error_unknown_source_arn': async (c) => {
    const bus = `doesnotexist-${c.uid()}`;
    c.snap.regex(bus, '<event-bus-name>');
    const list = new ListArchivesCommand({ EventSourceArn: `arn:aws:events:${c.region}:${c.accountId}:event-bus/${bus}` });
    c.snap.match('list-archives-unknown-event-bus-error', await failure(() => c.events.send(list)));
  },
  'TestArchive::test_list_archive_state_enabled[custom]': async (c) => {
    await archived(c, 'custom');
    c.snap.match('list-archives-state-enabled', answerOf(await c.events.send(new ListArchivesCommand({ State: 'ENABLED' }))));
  },
  'TestArchive::test_list_archive_state_enabled[default]': async (c) => {
    await archived(c, 'default');
    c.snap.match('list-archives-state-enabled', answerOf(await c.events.send(new ListArchivesCommand({ State: 'ENABLED' }))));
  },
  'TestArchive::test_list_archive_with_name_prefix[custom]': (c) => listByPrefix(c, 'custom'),
  'TestArchive::test_list_archive_with_name_prefix[default]': (c) => listByPrefix(c, 'default'),
  'TestArchive::test_list_archive_with_source_arn[custom]': (c) => listBySource(c, 'custom'),
  'TestArchive::test_list_archive_with_source_arn[default]': (c) => listBySource(c, 'default'),
  'TestArchive::test_update_archive_error_unknown_archive': async (c) => {
    const name = `doesnotexist-${c.uid()}`;
    c.snap.regex(name, '<archive-name>');
    c.snap.match(
      'update-archive-unknown-archive-error',
      await failure(() => c.events.send(new UpdateArchiveCommand({ ArchiveName: name }))),
    );
  },
};

async function listByPrefix(c: CaseContext, kind: string) {
  const { name } = await archived(c, kind);
  c.snap.match('list-archives-with-name-prefix', answerOf(await c.events.send(new ListArchivesCommand({ NamePrefix: 'test-archive' }))));
  c.snap.match('list-archives-with-full-name', answerOf(await c.events.send(new ListArchivesCommand({ NamePrefix: name }))));
  c.snap.match(
    'list-archives-not-existing-archive',
    answerOf(await c.events.send(new ListArchivesCommand({ NamePrefix: 'doesnotexist' }))),
  );
}

async function listBySource(c: CaseContext, kind: string) {
  const { bus } = await archived(c, kind);
  c.snap.match('list-archives-with-source-arn', answerOf(await c.events.send(new ListArchivesCommand({ EventSourceArn: bus.arn }))));
}

const TWO_TAGS = [
  { Key: 'tag1', Value: 'value1' },
  { Key: 'tag2', Value: 'value2' },
];

export const tagCases: Record<string, ReplayedCase> = {
  'TestEventBusTags::test_create_event_bus_with_tags': async (c) => {
    const bus = `test_bus-${c.uid()}`;
    const created = await c.createBus({ Name: bus, Tags: TWO_TAGS });
    c.snap.match('create_event_bus_with_tags', answerOf(created));
    c.snap.regex(bus, '<bus_name>');
    c.snap.match(
      'list_tags_for_event_bus',
      answerOf(await c.events.send(new ListTagsForResourceCommand({ ResourceARN: created.EventBusArn }))),
    );
  },
  'TestEventBusTags::test_list_tags_for_deleted_event_bus': async (c) => {
    const bus = `test_bus-${c.uid()}`;
    const { EventBusArn } = await c.createBus({ Name: bus });
    await c.events.send(new DeleteEventBusCommand({ Name: bus }));
    c.snap.regex(bus, '<bus_name>');
    c.snap.match(
      'list_tags_for_deleted_rule_error',
      await failure(() => c.events.send(new ListTagsForResourceCommand({ ResourceARN: EventBusArn }))),
    );
  },
  'TestRuleTags::test_list_tags_for_deleted_rule': async (c) => {
    const bus = `test_bus-${c.uid()}`;
    await c.createBus({ Name: bus });
    const rule = `test_rule-${c.uid()}`;
    const { RuleArn } = await c.putRule({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify(TEST_EVENT_PATTERN) });
    await c.events.send(new DeleteRuleCommand({ Name: rule, EventBusName: bus }));
    c.snap.regex(rule, '<rule_name>');
    c.snap.regex(bus, '<bus_name>');
    c.snap.match(
      'list_tags_for_deleted_rule_error',
      await failure(() => c.events.send(new ListTagsForResourceCommand({ ResourceARN: RuleArn }))),
    );
  },
  'TestRuleTags::test_put_rule_with_tags': async (c) => {
    await c.createBus({ Name: `test_bus-${c.uid()}` });
    const rule = `test_rule-${c.uid()}`;
    const put = await c.putRule({ Name: rule, EventPattern: JSON.stringify(TEST_EVENT_PATTERN), Tags: TWO_TAGS });
    c.snap.match('put_rule_with_tags', answerOf(put));
    c.snap.regex(rule, '<rule_name>');
    c.snap.match('list_tags_for_rule', answerOf(await c.events.send(new ListTagsForResourceCommand({ ResourceARN: put.RuleArn }))));
  },
  'tests_tag_list_untag_not_existing_resource[not_existing_event_bus]': (c) => missingTagged(c, 'event-bus'),
  'tests_tag_list_untag_not_existing_resource[not_existing_rule]': (c) => missingTagged(c, 'rule'),
  'tests_tag_untag_resource[event_bus-event_bus_custom]': (c) => tagUntag(c, 'event_bus', 'event_bus_custom'),
  'tests_tag_untag_resource[event_bus-event_bus_default]': (c) => tagUntag(c, 'event_bus', 'event_bus_default'),
  'tests_tag_untag_resource[rule-event_bus_custom]': (c) => tagUntag(c, 'rule', 'event_bus_custom'),
  'tests_tag_untag_resource[rule-event_bus_default]': (c) => tagUntag(c, 'rule', 'event_bus_default'),
  'test_recreate_tagged_resource_without_tags[event_bus-event_bus_custom]': (c) => recreateWithoutTags(c, 'event_bus', 'event_bus_custom'),
  'test_recreate_tagged_resource_without_tags[event_bus-event_bus_default]': (c) =>
    recreateWithoutTags(c, 'event_bus', 'event_bus_default'),
  'test_recreate_tagged_resource_without_tags[rule-event_bus_custom]': (c) => recreateWithoutTags(c, 'rule', 'event_bus_custom'),
  'test_recreate_tagged_resource_without_tags[rule-event_bus_default]': (c) => recreateWithoutTags(c, 'rule', 'event_bus_default'),
};
