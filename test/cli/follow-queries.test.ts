import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  DescribeQueryDefinitionsCommand,
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { describe, expect, it } from 'vitest';
import { renderTree, traceWithSavedQueries } from '../../cli/commands/trace.js';
import { queriesFor, runFollowQueries, type SavedFollowQuery, traceQueryString, treeFromRows } from '../../cli/follow-queries.js';
import {
  fillPlaceholder,
  followQueryKindsFor,
  followQuerySpecs,
  followQueryString,
  parseFollowQueryName,
  queryStringLiteral,
} from '../../contracts/log-queries.js';
import type { Clients } from '../../inspect/aws.js';
import { CliError } from '../../inspect/errors.js';

const EVENT_ID = '6a7e8f0b-1c2d-4e3f-9a0b-1c2d3e4f5a6b';
const GROUPS = ['/aws/lambda/Switchyard-Triage-abc', '/aws/vendedlogs/states/Switchyard-TicketTriage-xyz'];

function saved(folder: string, keys: string[]): { name: string; queryString: string; logGroupNames: string[] }[] {
  return followQuerySpecs(keys).map((spec) => ({
    name: `${folder}/${spec.name}`,
    queryString: followQueryString(spec),
    logGroupNames: GROUPS,
  }));
}

function asSaved(folder: string, keys: string[]): SavedFollowQuery[] {
  return saved(folder, keys).map((q) => ({ ...q, spec: parseFollowQueryName(folder, q.name) as SavedFollowQuery['spec'] }));
}

/** A CloudWatch Logs client that answers from a script and records what it was sent. */
function fakeLogs(answer: (command: unknown) => unknown) {
  const sent: unknown[] = [];
  const clients = {
    target: { kind: 'aws' },
    logs: {
      send: async (command: unknown) => {
        sent.push(command);
        const result = answer(command);
        if (result instanceof Error) throw result;
        return result;
      },
    },
  } as unknown as Clients;
  return { clients, sent };
}

const field = (f: string, value: string) => ({ field: f, value });
/** The first item, which the test needs. */
function only<T>(items: readonly T[], index = 0): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no item ${index}`);
  return item;
}
/** A recorded-looking GetQueryResults answer: a consumer's lines, its START/REPORT, and the flow it started. */
const RESULTS = [
  [
    field('@timestamp', '2026-11-22 10:00:00.100'),
    field('@log', '123456789012:/aws/lambda/Switchyard-Triage-abc'),
    field('@logStream', '2026/11/22/[$LATEST]abc'),
    field('@message', '{"type":"platform.start","record":{"requestId":"11111111-2222-4333-8444-555555555555"}}'),
    field('type', 'platform.start'),
    field('@ptr', 'p1'),
  ],
  [
    field('@timestamp', '2026-11-22 10:00:00.200'),
    field('@log', '123456789012:/aws/lambda/Switchyard-Triage-abc'),
    field('@logStream', '2026/11/22/[$LATEST]abc'),
    field(
      '@message',
      `{"level":"INFO","message":"handled","eventId":"${EVENT_ID}","detailType":"TicketCreated","requestId":"11111111-2222-4333-8444-555555555555","ticketId":"T-1"}`,
    ),
    field('level', 'INFO'),
    field('message', 'handled'),
    field('eventId', EVENT_ID),
    field('detailType', 'TicketCreated'),
    field('correlationId', EVENT_ID),
    field('requestId', '11111111-2222-4333-8444-555555555555'),
    field('@ptr', 'p2'),
  ],
  [
    field('@timestamp', '2026-11-22 10:00:01.000'),
    field('@log', '123456789012:/aws/vendedlogs/states/Switchyard-TicketTriage-xyz'),
    field('@message', '{"type":"ExecutionStarted"}'),
    field('execution_arn', `arn:aws:states:eu-west-1:123456789012:express:TicketTriage:TicketCreated-${EVENT_ID}:r1`),
    field('type', 'ExecutionStarted'),
    field('@ptr', 'p3'),
  ],
  [
    field('@timestamp', '2026-11-22 10:00:02.000'),
    field('@log', '123456789012:/aws/vendedlogs/states/Switchyard-TicketTriage-xyz'),
    field('@message', '{"type":"ExecutionSucceeded"}'),
    field('execution_arn', `arn:aws:states:eu-west-1:123456789012:express:TicketTriage:TicketCreated-${EVENT_ID}:r1`),
    field('type', 'ExecutionSucceeded'),
    field('@ptr', 'p4'),
  ],
];

describe('the follow-queries (contracts/log-queries)', () => {
  it('are what the monitoring construct saves, named so the CLI can tell them apart', () => {
    expect(followQueryString(only(followQuerySpecs(['ticketId']), 2))).toBe(
      'fields @timestamp, @log, level, service, message, correlationId, eventId, detailType, execution_arn, type\n| filter ticketId = "TICKET_ID" or detail.ticketId = "TICKET_ID" or @message like "TICKET_ID"\n| sort @timestamp asc\n| limit 10000',
    );
    expect(parseFollowQueryName('shop', 'shop/Follow an event id')?.kind).toBe('event-id');
    expect(parseFollowQueryName('shop', 'shop/Follow a correlation id (2 of 3)')?.kind).toBe('correlation-id');
    expect(parseFollowQueryName('shop', 'shop/Follow one orderId')).toMatchObject({
      kind: 'business-key',
      key: 'orderId',
      placeholder: 'ORDER_ID',
    });
    expect(parseFollowQueryName('shop', 'shop/Something else')).toBeUndefined();
    expect(parseFollowQueryName('shop', 'other/Follow an event id')).toBeUndefined();
  });

  it('picks the query that fits the id: a UUID is an event or correlation id, anything else a business key', () => {
    const all = ['correlation-id', 'event-id', 'business-key'] as const;
    expect(followQueryKindsFor(EVENT_ID, [...all])).toEqual(['event-id', 'correlation-id']);
    expect(followQueryKindsFor('T-1001', [...all])).toEqual(['business-key']);
    expect(followQueryKindsFor('circuit:payments', ['correlation-id', 'event-id'])).toEqual(['correlation-id']);
    const queries = asSaved('Switchyard', ['ticketId', 'orderId']);
    expect(queriesFor(queries, 'T-1001').map((q) => q.name)).toEqual(['Switchyard/Follow one ticketId', 'Switchyard/Follow one orderId']);
    expect(queriesFor(queries, EVENT_ID).map((q) => q.name)).toEqual([
      'Switchyard/Follow an event id',
      'Switchyard/Follow a correlation id',
    ]);
  });

  it('fills the placeholder with the id escaped: a hostile id cannot leave its string', () => {
    const query = followQueryString(only(followQuerySpecs([])));
    const hostile = 'x" or 1=1 | fields @message | filter @message like "';
    const filled = fillPlaceholder(query, 'CORRELATION_ID', hostile);
    expect(filled).toContain('correlationId = "x\\" or 1=1 | fields @message | filter @message like \\""');
    // Every quote the id brought is escaped: the unescaped quotes are the query's own four.
    expect(filled.match(/(?<!\\)"/g)).toHaveLength(4);
    expect(fillPlaceholder(query, 'CORRELATION_ID', 'a\\"b')).toContain('"a\\\\\\"b"');
    expect(fillPlaceholder(query, 'CORRELATION_ID', '$&$1')).toContain('"$&$1"');
    expect(fillPlaceholder('filter id = "ID" or identity = "x"', 'ID', 'v')).toBe('filter id = "v" or identity = "x"');
  });

  it('fails if the id holds a line break or control character, or is empty', () => {
    for (const bad of ['a\nfields @message', 'a\rb', 'a\u0000', '', 'x'.repeat(1025)])
      expect(() => queryStringLiteral(bad), JSON.stringify(bad)).toThrow();
  });
});

describe('trace --aws with the saved queries', () => {
  it('runs the saved query with the id, over its log groups and the window, adding the fields that group lines', async () => {
    const query = only(queriesFor(asSaved('Switchyard', ['ticketId']), 'T-1'));
    expect(traceQueryString(query, 'T-1').split('\n')[0]).toBe(
      'fields @timestamp, @log, level, service, message, correlationId, eventId, detailType, execution_arn, type, @logStream, @message, @requestId, requestId',
    );
    const { clients, sent } = fakeLogs((command) => {
      if (command instanceof StartQueryCommand) return { queryId: 'q-1' };
      if (command instanceof GetQueryResultsCommand) return { status: 'Complete', results: RESULTS };
      throw new Error(`unexpected ${String(command)}`);
    });
    const start = new Date('2026-11-21T10:00:00Z');
    const end = new Date('2026-11-22T10:00:00Z');
    const rows = await runFollowQueries(clients, [query], 'T-1', { start, end, sleep: async () => {} });
    expect(rows).toHaveLength(4);
    const started = sent[0] as StartQueryCommand;
    expect(started.input).toMatchObject({ logGroupNames: GROUPS, startTime: start.getTime() / 1000, endTime: end.getTime() / 1000 });
    expect(started.input.queryString).toContain('ticketId = "T-1" or detail.ticketId = "T-1"');
  });

  it("builds the local trace's tree from the rows: the event, the execution and the invocation with its lines", () => {
    const roots = treeFromRows(RESULTS.map((fields) => Object.fromEntries(fields.map((f) => [f.field, f.value]))));
    expect(roots).toHaveLength(1);
    const event = only(roots);
    expect(event).toMatchObject({ kind: 'event', id: EVENT_ID, label: 'TicketCreated', time: '2026-11-22T10:00:00.200Z' });
    expect(event.children.map((c) => c.kind)).toEqual(['invocation', 'execution']);
    expect(event.children[1]).toMatchObject({ status: 'succeeded', logs: ['ExecutionStarted', 'ExecutionSucceeded'] });
    expect(event.children[0]).toMatchObject({
      id: '11111111-2222-4333-8444-555555555555',
      attributes: { function: 'Switchyard-Triage-abc' },
    });
    expect(only(event.children).logs).toHaveLength(2);
    const lines = renderTree(event);
    expect(lines[0]).toBe(`10:00:00.200  event: TicketCreated  ${EVENT_ID}`);
    expect(lines.join('\n')).toContain('START RequestId: 11111111-2222-4333-8444-555555555555');
    expect(lines.join('\n')).toContain('INFO handled');
  });

  it('polls GetQueryResults a bounded number of times, then stops the query and says so', async () => {
    let polls = 0;
    const { clients, sent } = fakeLogs((command) => {
      if (command instanceof StartQueryCommand) return { queryId: 'q-slow' };
      if (command instanceof GetQueryResultsCommand) {
        polls++;
        return { status: 'Running' };
      }
      if (command instanceof StopQueryCommand) return { success: true };
      throw new Error('unexpected');
    });
    const query = only(asSaved('Switchyard', []));
    const run = runFollowQueries(clients, [query], EVENT_ID, {
      start: new Date(0),
      end: new Date(),
      maxPolls: 3,
      pollMs: 10,
      sleep: async () => {},
    });
    await expect(run).rejects.toThrow(/did not complete within .* \(stopped; query id q-slow\)/);
    expect(polls).toBe(3);
    expect(sent.some((c) => c instanceof StopQueryCommand)).toBe(true);
    const failed = fakeLogs((command) => (command instanceof StartQueryCommand ? { queryId: 'q' } : { status: 'Failed' }));
    await expect(runFollowQueries(failed.clients, [query], EVENT_ID, { start: new Date(0), end: new Date() })).rejects.toThrow(
      /ended Failed/,
    );
  });

  it('fails if the id would break the query, with exit 2, before any query starts', async () => {
    const { clients, sent } = fakeLogs(() => ({ queryId: 'q' }));
    const run = runFollowQueries(clients, asSaved('Switchyard', []).slice(0, 1), 'a\n| fields @message', {
      start: new Date(0),
      end: new Date(),
    });
    await expect(run).rejects.toBeInstanceOf(CliError);
    await expect(run).rejects.toMatchObject({ exitCode: 2 });
    expect(sent).toHaveLength(0);
  });

  describe('finding the saved queries', () => {
    const cdkOut = mkdtempSync(path.join(tmpdir(), 'switchyard-follow-'));
    mkdirSync(cdkOut, { recursive: true });
    writeFileSync(
      path.join(cdkOut, 'manifest.json'),
      JSON.stringify({ artifacts: { Shop: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Shop.template.json' } } } }),
    );
    writeFileSync(
      path.join(cdkOut, 'Shop.template.json'),
      JSON.stringify({
        Resources: { Q: { Type: 'AWS::Logs::QueryDefinition', Properties: { Name: 'shop/Follow an event id', QueryString: 'x' } } },
      }),
    );

    it('lists them under the folder the cloud assembly names, runs those that fit and draws the tree', async () => {
      const { clients, sent } = fakeLogs((command) => {
        if (command instanceof DescribeQueryDefinitionsCommand)
          return { queryDefinitions: [...saved('shop', ['ticketId']), { name: 'shop/Mine', queryString: 'x', logGroupNames: ['g'] }] };
        if (command instanceof StartQueryCommand) return { queryId: `q-${sent.length}` };
        if (command instanceof GetQueryResultsCommand) return { status: 'Complete', results: RESULTS };
        throw new Error('unexpected');
      });
      const notes: string[] = [];
      const found = await traceWithSavedQueries(
        clients,
        cdkOut,
        EVENT_ID,
        { start: new Date(0), end: new Date(), sleep: async () => {} },
        (l) => notes.push(l),
      );
      expect((sent[0] as DescribeQueryDefinitionsCommand).input.queryDefinitionNamePrefix).toBe('shop/');
      expect(found?.queries).toEqual(['shop/Follow an event id', 'shop/Follow a correlation id']);
      // The same rows from both queries are shown once.
      expect(found?.roots).toHaveLength(1);
      expect(only(found?.roots ?? []).children).toHaveLength(2);
      expect(notes).toEqual([]);
    });

    it('falls back (returns nothing), saying so, when the app has no saved queries or they cannot be listed', async () => {
      const none = fakeLogs(() => ({ queryDefinitions: [] }));
      const notes: string[] = [];
      expect(
        await traceWithSavedQueries(none.clients, cdkOut, 'T-1', { start: new Date(0), end: new Date() }, (l) => notes.push(l)),
      ).toBeUndefined();
      expect(notes[0]).toMatch(/no saved Logs Insights follow-query of the app \(shop\/\): falling back to FilterLogEvents/);
      const unknown = fakeLogs(() => Object.assign(new Error('no local service answers'), { name: 'UnknownOperationException' }));
      expect(
        await traceWithSavedQueries(unknown.clients, cdkOut, 'T-1', { start: new Date(0), end: new Date() }, (l) => notes.push(l)),
      ).toBeUndefined();
      expect(notes[1]).toMatch(/cannot list the saved Logs Insights queries \(UnknownOperationException\): falling back/);
      const broken = fakeLogs(() => Object.assign(new Error('boom'), { name: 'ServiceUnavailableException' }));
      await expect(traceWithSavedQueries(broken.clients, cdkOut, 'T-1', { start: new Date(0), end: new Date() }, () => {})).rejects.toThrow(
        /ServiceUnavailableException/,
      );
    });
  });
});
