/**
 * Replays of LocalStack's tests/aws/services/events/test_events_targets.py, TestEventsTargetLambda:
 * a rule's Lambda target invoked with the event, read back from what the function logged (its
 * handler is LocalStack's lambda_echo.py, which prints the event).
 */
import { readFileSync } from 'node:fs';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { PutEventsCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { AddPermissionCommand, DeleteFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { expect } from 'vitest';
import { zip } from '../../../helpers/zip-archive.js';
import { createFunction } from '../../lambda/control-plane-clients.js';
import { type CaseContext, type ReplayedCase, TEST_EVENT_DETAIL, TEST_EVENT_PATTERN } from './context.js';

const ECHO = readFileSync(
  new URL('../../../conformance/aws-recorded/lambda/runtimes/fixtures/functions/lambda_echo.py', import.meta.url),
  'utf8',
);

/**
 * testutil's get_lambda_log_events: the function's log lines but the runtime's own (INIT_START,
 * START, END, REPORT), each parsed as JSON when it is; waited for until there are `count`.
 */
async function functionLogEvents(logs: CloudWatchLogsClient, name: string, count: number): Promise<unknown[]> {
  let events: unknown[] = [];
  for (let i = 0; i < 100 && events.length < count; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    const found = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}` })).catch((error: Error) => {
      if (error.name === 'ResourceNotFoundException') return { events: [] };
      throw error;
    });
    events = (found.events ?? [])
      .map((event) => (event.message ?? '').trimEnd())
      .filter((message) => message !== '' && !/^(INIT_START|START|END|REPORT)/.test(message))
      .map((message) => {
        try {
          return JSON.parse(message) as unknown;
        } catch {
          return message;
        }
      });
  }
  expect(events.length).toBe(count);
  return events;
}

/** A python3.12 echo function as a rule's target on a new bus, an event put there, and what the function logged. */
async function lambdaTarget(c: CaseContext, pattern: object, detail: object) {
  const lambda = new LambdaClient(c.clientConfig);
  const logs = new CloudWatchLogsClient(c.clientConfig);
  const name = `lambda-func-${c.uid()}`;
  try {
    const created = await createFunction(lambda, {
      FunctionName: name,
      Runtime: 'python3.12',
      Handler: 'lambda_echo.handler',
      Role: `arn:aws:iam::${c.accountId}:role/lambda-test-role`,
      Code: { ZipFile: zip([{ path: 'lambda_echo.py', body: ECHO }]) },
    });
    const bus = `bus-${c.uid()}`;
    await c.createBus({ Name: bus });
    const rule = `rule-${c.uid()}`;
    const { RuleArn } = await c.putRule({ Name: rule, EventBusName: bus, EventPattern: JSON.stringify(pattern) });
    const permission = { StatementId: `${rule}-Event`, Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com' };
    await lambda.send(new AddPermissionCommand({ FunctionName: name, ...permission, SourceArn: RuleArn }));
    const target = { Id: `target-${c.uid()}`, Arn: created.FunctionArn };
    await c.events.send(new PutTargetsCommand({ Rule: rule, EventBusName: bus, Targets: [target] }));
    const entry = { EventBusName: bus, Source: TEST_EVENT_PATTERN.source[0], DetailType: TEST_EVENT_PATTERN['detail-type'][0] };
    await c.events.send(new PutEventsCommand({ Entries: [{ ...entry, Detail: JSON.stringify(detail) }] }));
    c.snap.match('events', await functionLogEvents(logs, name, 1));
  } finally {
    await lambda.send(new DeleteFunctionCommand({ FunctionName: name })).catch(() => undefined);
    lambda.destroy();
    logs.destroy();
  }
}

const NOTIFICATION = {
  id: '123',
  actions: [
    {
      id: '321',
      type: 'SEND_NOTIFICATION',
      settings: { message: '', recipientEmails: [], subject: '', type: 'SEND_NOTIFICATION' },
    },
  ],
};
const PAYLOAD = {
  userId: 10,
  businessId: 3,
  channelId: 6,
  card: { foo: 'bar' },
  targetEntity: true,
  entityAuditTrailEvent: { foo: 'bar' },
};
const AUTOMATION_ID_EXISTS = { detail: { payload: { automations: { id: [{ exists: true }] } } } };

const listEntry = (c: CaseContext) => lambdaTarget(c, AUTOMATION_ID_EXISTS, { payload: { ...PAYLOAD, automations: [NOTIFICATION] } });
const listEntriesPartialMatch = (c: CaseContext) =>
  lambdaTarget(c, AUTOMATION_ID_EXISTS, { payload: { ...PAYLOAD, automations: [{ foo: 'bar' }, NOTIFICATION, { bar: 'foo' }] } });

export const lambdaTargetCases: Record<string, ReplayedCase> = {
  'TestEventsTargetLambda::test_put_events_with_target_lambda': (c) => lambdaTarget(c, TEST_EVENT_PATTERN, TEST_EVENT_DETAIL),
  'TestEventsTargetLambda::test_put_events_with_target_lambda_list_entry': listEntry,
  'TestEventsTargetLambda::test_put_events_with_target_lambda_list_entries_partial_match': listEntriesPartialMatch,
  // Recorded before the tests moved into their class.
  test_put_events_with_target_lambda_list_entry: listEntry,
  test_put_events_with_target_lambda_list_entries_partial_match: listEntriesPartialMatch,
};
