/** Replays of LocalStack's tests/aws/services/events/test_events.py, TestEventBus (the buses and their permissions). */
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DescribeEventBusCommand,
  ListEventBusesCommand,
  PutEventsCommand,
  PutPermissionCommand,
  RemovePermissionCommand,
} from '@aws-sdk/client-eventbridge';
import type { CaseContext, ReplayedCase } from './context.js';
import { answerOf, failure } from './snapshot.js';

async function createListDescribeDelete(c: CaseContext, withDescription: boolean) {
  const name = `test-bus-${c.uid()}`;
  c.snap.regex(name, '<bus-name>');
  const at = c.region;
  const description = withDescription ? { Description: 'test bus' } : {};
  c.snap.match(`create-custom-event-bus-${at}`, answerOf(await c.events.send(new CreateEventBusCommand({ Name: name, ...description }))));
  c.snap.match(`list-event-buses-after-create-${at}`, answerOf(await c.events.send(new ListEventBusesCommand({ NamePrefix: name }))));
  c.snap.match(`describe-custom-event-bus-${at}`, answerOf(await c.events.send(new DescribeEventBusCommand({ Name: name }))));
  c.snap.match(`delete-custom-event-bus-${at}`, answerOf(await c.events.send(new DeleteEventBusCommand({ Name: name }))));
  c.snap.match(`list-event-buses-after-delete-${at}`, answerOf(await c.events.send(new ListEventBusesCommand({ NamePrefix: name }))));
}

/** The bus of a permission test: a new `test-bus-<uid>` (`custom`), or the default bus with no policy. */
async function busWithoutPolicy(c: CaseContext, kind: string): Promise<string> {
  if (kind === 'custom') {
    const bus = `test-bus-${c.uid()}`;
    await c.createBus({ Name: bus });
    return bus;
  }
  // The default bus outlives the cases: a policy an earlier case left on it goes (none left: refused, and nothing to do).
  await c.events.send(new RemovePermissionCommand({ EventBusName: 'default', RemoveAllPermissions: true })).catch(() => undefined);
  return 'default';
}

/** test_put_permission and test_remove_permission start from a default bus without a policy. */
async function permissionBus(c: CaseContext, kind: string): Promise<string> {
  const bus = await busWithoutPolicy(c, kind);
  c.snap.regex(bus, '<bus-name>');
  c.snap.regex(c.accountId, '<account-id>');
  c.snap.regex(c.secondaryAccountId, '<secondary-account-id>');
  c.snap.sortBy('Statement', 'Sid');
  c.snap.keyValue('Sid', 'sid');
  return bus;
}

async function putPermission(c: CaseContext, kind: string) {
  const bus = await permissionBus(c, kind);
  const put = (principal: string, sid: string) =>
    c.events.send(new PutPermissionCommand({ EventBusName: bus, Action: 'events:PutEvents', Principal: principal, StatementId: sid }));
  c.snap.match('put-permission', answerOf(await put(c.accountId, `statement-1-${c.uid()}`)));
  await put(c.accountId, `statement-2-${c.uid()}`);
  await put(c.secondaryAccountId, `statement-3-${c.uid()}`);
  c.snap.match(
    'describe-event-bus-put-permission-multiple-principals',
    answerOf(await c.events.send(new DescribeEventBusCommand({ Name: bus }))),
  );
  const everyone = `statement-4-${c.uid()}`;
  await put('*', everyone);
  // PutPermission with a StatementId the policy has replaces that statement.
  await put('*', everyone);
  c.snap.match('describe-event-bus-put-permission', answerOf(await c.events.send(new DescribeEventBusCommand({ Name: bus }))));
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: `statement-5-${c.uid()}`,
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'events:ListRules',
        Resource: '*',
      },
    ],
  };
  c.snap.match(
    'put-permission-policy',
    answerOf(await c.events.send(new PutPermissionCommand({ EventBusName: bus, Policy: JSON.stringify(policy) }))),
  );
  c.snap.match('describe-event-bus-put-permission-policy', answerOf(await c.events.send(new DescribeEventBusCommand({ Name: bus }))));
  await c.events.send(new RemovePermissionCommand({ EventBusName: bus, RemoveAllPermissions: true })).catch(() => undefined);
}

async function removePermission(c: CaseContext, kind: string) {
  const bus = await permissionBus(c, kind);
  const put = (principal: string, sid: string) =>
    c.events.send(new PutPermissionCommand({ EventBusName: bus, Action: 'events:PutEvents', Principal: principal, StatementId: sid }));
  const primary = `statement-1-${c.uid()}`;
  await put(c.accountId, primary);
  await put(c.secondaryAccountId, `statement-2-${c.uid()}`);
  c.snap.match(
    'remove-permission',
    answerOf(await c.events.send(new RemovePermissionCommand({ EventBusName: bus, StatementId: primary, RemoveAllPermissions: false }))),
  );
  c.snap.match('describe-event-bus-remove-permission', answerOf(await c.events.send(new DescribeEventBusCommand({ Name: bus }))));
  c.snap.match(
    'remove-permission-all',
    answerOf(await c.events.send(new RemovePermissionCommand({ EventBusName: bus, RemoveAllPermissions: true }))),
  );
  c.snap.match('describe-event-bus-remove-permission-all', answerOf(await c.events.send(new DescribeEventBusCommand({ Name: bus }))));
}

async function removeMissingSid(c: CaseContext, policyExists: boolean, kind: string) {
  const bus = await busWithoutPolicy(c, kind);
  if (policyExists) {
    await c.events.send(
      new PutPermissionCommand({
        EventBusName: bus,
        Action: 'events:PutEvents',
        Principal: c.accountId,
        StatementId: `statement-${c.uid()}`,
      }),
    );
  }
  c.snap.match(
    'remove-permission-non-existing-sid-error',
    await failure(() => c.events.send(new RemovePermissionCommand({ EventBusName: bus, StatementId: 'non-existing-sid' }))),
  );
  await c.events.send(new RemovePermissionCommand({ EventBusName: bus, RemoveAllPermissions: true })).catch(() => undefined);
}

export const busCases: Record<string, ReplayedCase> = {
  'TestEventBus::test_create_list_describe_delete_custom_event_buses[False-regions0]': (c) => createListDescribeDelete(c, false),
  'TestEventBus::test_create_list_describe_delete_custom_event_buses[True-regions0]': (c) => createListDescribeDelete(c, true),
  'TestEventBus::test_create_multiple_event_buses_same_name': async (c) => {
    const name = `test-bus-${c.uid()}`;
    c.snap.regex(name, '<bus-name>');
    await c.createBus({ Name: name });
    c.snap.match('create-multiple-event-buses-same-name', await failure(() => c.createBus({ Name: name })));
  },
  'TestEventBus::test_delete_default_event_bus': async (c) => {
    c.snap.match('delete-default-event-bus-error', await failure(() => c.events.send(new DeleteEventBusCommand({ Name: 'default' }))));
  },
  'TestEventBus::test_describe_delete_not_existing_event_bus': async (c) => {
    const name = `this-bus-does-not-exist-1234567890-${c.uid()}`;
    c.snap.regex(name, '<bus-name>');
    const error = await failure(() => c.events.send(new DescribeEventBusCommand({ Name: name })));
    c.snap.match('describe-not-existing-event-bus-error', error);
    // Deleting a bus that does not exist succeeds: the recording test matches the describe error again.
    await c.events.send(new DeleteEventBusCommand({ Name: name }));
    c.snap.match('delete-not-existing-event-bus', error);
  },
  'TestEventBus::test_list_event_buses_with_limit': async (c) => {
    const prefix = `test-bus-${c.uid()}`;
    c.snap.keyValue('NextToken', 'next_token');
    c.snap.regex(prefix, '<bus-name-prefix>');
    for (let i = 0; i < 6; i++) await c.createBus({ Name: `${prefix}-${i}` });
    const first = await c.events.send(new ListEventBusesCommand({ Limit: 3, NamePrefix: prefix }));
    c.snap.match('list-event-buses-limit', answerOf(first));
    const next = await c.events.send(new ListEventBusesCommand({ Limit: 5, NextToken: first.NextToken, NamePrefix: prefix }));
    c.snap.match('list-event-buses-limit-next-token', answerOf(next));
  },
  'TestEventBus::test_list_event_buses_with_prefix': async (c) => {
    const name = `unique-prefix-1234567890-${c.uid()}`;
    c.snap.regex(name, '<bus-name>');
    c.snap.regex('no-prefix-match', '<bus-name>');
    await c.createBus({ Name: name });
    await c.createBus({ Name: 'no-prefix-match' });
    c.snap.match('list-event-buses-prefix-complete-name', answerOf(await c.events.send(new ListEventBusesCommand({ NamePrefix: name }))));
    c.snap.match('list-event-buses-prefix', answerOf(await c.events.send(new ListEventBusesCommand({ NamePrefix: name.split('-')[0] }))));
  },
  'TestEventBus::test_put_events_nonexistent_event_bus': async (c) => {
    const missing = `event-bus-${c.uid()}`;
    c.snap.regex(missing, '<custom-event-bus>');
    const entries = [
      { Source: 'MySource', DetailType: 'CustomType', Detail: JSON.stringify({ message: 'for the default event bus' }) },
      {
        EventBusName: missing,
        Source: 'MySource',
        DetailType: 'CustomType',
        Detail: JSON.stringify({ message: 'for the custom event bus' }),
      },
    ];
    c.snap.match('put-events', answerOf(await c.events.send(new PutEventsCommand({ Entries: entries }))));
    c.snap.match('non-existent-bus-error', await failure(() => c.events.send(new DescribeEventBusCommand({ Name: missing }))));
  },
  'TestEventBus::test_put_permission[custom]': (c) => putPermission(c, 'custom'),
  'TestEventBus::test_put_permission[default]': (c) => putPermission(c, 'default'),
  'TestEventBus::test_put_permission_non_existing_event_bus': async (c) => {
    const name = `non-existing-bus-${c.uid()}`;
    c.snap.regex(name, '<bus-name>');
    c.snap.match(
      'remove-permission-non-existing-sid-error',
      await failure(() =>
        c.events.send(
          new PutPermissionCommand({ EventBusName: name, Action: 'events:PutEvents', Principal: '*', StatementId: 'statement-id' }),
        ),
      ),
    );
  },
  'TestEventBus::test_remove_permission[custom]': (c) => removePermission(c, 'custom'),
  'TestEventBus::test_remove_permission[default]': (c) => removePermission(c, 'default'),
  'TestEventBus::test_remove_permission_non_existing_sid[False-custom]': (c) => removeMissingSid(c, false, 'custom'),
  'TestEventBus::test_remove_permission_non_existing_sid[False-default]': (c) => removeMissingSid(c, false, 'default'),
  'TestEventBus::test_remove_permission_non_existing_sid[True-custom]': (c) => removeMissingSid(c, true, 'custom'),
  'TestEventBus::test_remove_permission_non_existing_sid[True-default]': (c) => removeMissingSid(c, true, 'default'),
};
