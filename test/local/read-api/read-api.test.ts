import { mkdtempSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BusEventsPage,
  type ExpressExecutionsPage,
  type Lineage,
  type LineageNode,
  type QueueMessagesPage,
  READ_API_PATHS,
  READ_API_PREFIX,
  type ReadApiError,
  type StreamMessage,
} from '../../../clients/read-api-contract.js';
import { CAUSATION_LINK } from '../../../local/read-api/lineage.js';
import { LocalRuntime } from '../../../local/runtime.js';
import { ticketCreatedEntry } from '../../helpers/hub.js';
import { switchyardAssembly } from '../../helpers/switchyard-assembly.js';
import { credentials, disposableData, eventually, region } from '../helpers.js';

let runtime: LocalRuntime;
let events: EventBridgeClient;
let sfn: SFNClient;
const outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-app-'));

beforeAll(async () => {
  await switchyardAssembly(outdir);
  runtime = await LocalRuntime.start({ cdkOut: outdir, ...disposableData(), port: 0, log: () => {} });
  events = new EventBridgeClient({ endpoint: runtime.url, region, credentials });
  sfn = new SFNClient({ endpoint: runtime.url, region, credentials });
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

function ticketCreated(
  ticketId: string,
  subject = 'Charged twice this month',
  body: string | null = 'My card was charged twice for the same invoice, please refund one.',
) {
  return new PutEventsCommand({
    Entries: [ticketCreatedEntry({ ticketId, customerId: 'C-1', subject, ...(body === null ? {} : { body }) })],
  });
}

async function read(pathAndQuery: string, init?: RequestInit): Promise<{ status: number; body: unknown; type: string | null }> {
  const response = await fetch(`${runtime.url}${READ_API_PREFIX}${pathAndQuery}`, init);
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), body: text ? JSON.parse(text) : undefined };
}

/** Subscribes to the live feed; `messages` fills as they come. */
function subscribe(): Promise<{ messages: StreamMessage[]; raw: () => string; response: IncomingMessage; close: () => void }> {
  return new Promise((resolve, reject) => {
    const request = get(`${runtime.url}${READ_API_PREFIX}${READ_API_PATHS.stream}`, (response) => {
      const messages: StreamMessage[] = [];
      let buffer = '';
      let all = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        all += chunk;
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          const kind = block.split('\n').find((line) => line.startsWith('event: '));
          if (data && kind) {
            const message = JSON.parse(data.slice(6)) as StreamMessage;
            expect(kind.slice(7)).toBe(message.kind);
            messages.push(message);
          }
          end = buffer.indexOf('\n\n');
        }
      });
      response.on('error', () => {});
      resolve({ messages, raw: () => all, response, close: () => request.destroy() });
    });
    request.on('error', reject);
  });
}

function walk(node: LineageNode, visit: (node: LineageNode, depth: number) => void, depth = 0): void {
  visit(node, depth);
  for (const child of node.children) walk(child, visit, depth + 1);
}

/** The first node below `node` (itself included) that satisfies `test`. */
function find(node: LineageNode, test: (node: LineageNode) => boolean): LineageNode | undefined {
  if (test(node)) return node;
  for (const child of node.children) {
    const found = find(child, test);
    if (found) return found;
  }
  return undefined;
}

describe('the read API', () => {
  it('streams accepted events and every recorded history event as server-sent events', async () => {
    const feed = await subscribe();
    try {
      expect(feed.response.headers['content-type']).toMatch(/^text\/event-stream/);
      const { Entries = [] } = await events.send(ticketCreated('RA-1'));
      const eventId = Entries[0]?.EventId;
      const accepted = await eventually(
        async () => feed.messages.find((m) => m.kind === 'event' && m.event.id === eventId),
        15_000,
        'the event on the feed',
      );
      expect(accepted).toMatchObject({ kind: 'event', event: { bus: 'Switchyard-hub', detailType: 'TicketCreated' } });
      if (accepted.kind !== 'event') throw new Error('unreachable');
      expect(accepted.event.matched.length).toBeGreaterThan(0);
      // Each target's outcome follows as it is known.
      const delivered = await eventually(async () =>
        feed.messages.find((m) => m.kind === 'delivery' && m.eventId === eventId && m.outcome === 'delivered'),
      );
      expect(delivered).toMatchObject({ rule: accepted.event.matched[0]?.rule, targetId: accepted.event.matched[0]?.targets[0]?.id });
      // The triage execution it starts (Express) is on the feed, start to end.
      const ended = await eventually(
        async () => feed.messages.find((m) => m.kind === 'execution' && m.executionArn.includes(':express:') && m.status === 'SUCCEEDED'),
        30_000,
        'a succeeded Express execution on the feed',
      );
      if (ended.kind !== 'execution') throw new Error('unreachable');
      const types = feed.messages
        .filter((m) => m.kind === 'execution' && m.executionArn === ended.executionArn)
        .map((m) => (m.kind === 'execution' ? m.historyEvent?.type : undefined));
      expect(types[0]).toBe('ExecutionStarted');
      expect(types.at(-1)).toBe('ExecutionSucceeded');
    } finally {
      feed.close();
    }
  }, 45_000);

  it('lists the Express executions the runtime ran, filtered and newest first', async () => {
    const all = await eventually(async () => {
      const { body } = await read(`${READ_API_PATHS.expressExecutions}?status=SUCCEEDED`);
      return (body as ExpressExecutionsPage).executions.length > 0 ? (body as ExpressExecutionsPage) : undefined;
    });
    const first = all.executions[0];
    expect(first).toMatchObject({ status: 'SUCCEEDED', executionArn: expect.stringContaining(':express:') });
    // What each is about: the idempotency key the starter named it after (the first test's ticket).
    expect(all.executions.map((e) => e.businessKey)).toContain('TicketCreated#ticketId="RA-1"');
    const { body } = await read(
      `${READ_API_PATHS.expressExecutions}?stateMachineArn=${encodeURIComponent(first?.stateMachineArn ?? '')}&limit=1`,
    );
    expect((body as ExpressExecutionsPage).executions).toHaveLength(1);
    const none = await read(`${READ_API_PATHS.expressExecutions}?stateMachineArn=arn:aws:states:us-east-1:000000000000:stateMachine:nope`);
    expect(none.body).toEqual({ executions: [] });
  });

  it('fails if a parameter is bad, with a 400 JSON error naming it', async () => {
    for (const query of ['?limit=0', '?limit=1001', '?limit=ten', '?status=DONE', '?colour=red', '?limit=1&limit=2']) {
      const { status, body, type } = await read(`${READ_API_PATHS.expressExecutions}${query}`);
      expect(status, query).toBe(400);
      expect(type).toMatch(/^application\/json/);
      expect(body).toMatchObject({ error: 'InvalidParameter', message: expect.any(String) });
    }
    expect(((await read(`${READ_API_PATHS.events}?since=yesterday`)).body as ReadApiError).message).toMatch(
      /since must be an ISO 8601 time/,
    );
    expect((await read(`${READ_API_PATHS.lineage}x?depth=0`)).status).toBe(400);
  });

  it('fails if the path is unknown or the method is not GET, with a JSON error', async () => {
    const unknown = await read('/nothing-here');
    expect(unknown).toMatchObject({ status: 404, body: { error: 'NotFound' } });
    expect((unknown.body as ReadApiError).message).toContain(`${READ_API_PREFIX}${READ_API_PATHS.events}`);
    const posted = await read(READ_API_PATHS.events, { method: 'POST', body: '{}' });
    expect(posted).toMatchObject({ status: 405, body: { error: 'MethodNotAllowed' } });
    const nothing = await read(`${READ_API_PATHS.lineage}no-such-id-anywhere`);
    expect(nothing).toMatchObject({ status: 404, body: { error: 'NotFound' } });
  });

  it("reads a queue's messages a page at a time without receiving them, and fails if the queue is missing or unknown", async () => {
    const sqs = new SQSClient({ endpoint: runtime.url, region, credentials });
    const { QueueUrl: queueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: 'read-api-peek' }));
    for (const body of ['one', 'two', 'three']) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          MessageAttributes: { why: { DataType: 'String', StringValue: body } },
        }),
      );
    }
    const pageOf = async (nextToken?: string) => {
      const query = new URLSearchParams({ queueUrl, limit: '2', ...(nextToken ? { nextToken } : {}) });
      const { status, body } = await read(`${READ_API_PATHS.queueMessages}?${query}`);
      expect(status).toBe(200);
      return body as QueueMessagesPage;
    };
    const first = await pageOf();
    const second = await pageOf(first.nextToken);
    expect([...first.messages, ...second.messages].map((m) => [m.Body, m.MessageAttributes?.why?.StringValue])).toEqual([
      ['one', 'one'],
      ['two', 'two'],
      ['three', 'three'],
    ]);
    expect(second.nextToken).toBeUndefined();
    expect(first.messages[0]?.Attributes).toMatchObject({ ApproximateReceiveCount: '0', SentTimestamp: expect.any(String) });
    expect(first.messages[0]).not.toHaveProperty('ReceiptHandle');
    // Read twice, received never: SQS's first receive is each message's first, and every message is still there to receive.
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    expect(Messages.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['1', '1', '1']);

    expect(await read(`${READ_API_PATHS.queueMessages}?queueUrl=${encodeURIComponent(`${queueUrl}-gone`)}`)).toMatchObject({
      status: 404,
      body: { error: 'NotFound' },
    });
    const missing = await read(READ_API_PATHS.queueMessages);
    expect(missing).toMatchObject({ status: 400, body: { error: 'InvalidParameter' } });
    expect((missing.body as ReadApiError).message).toMatch(/queueUrl is required/);
    sqs.destroy();
  });

  it('refuses a foreign Origin, as it refuses AWS requests', async () => {
    const response = await fetch(`${runtime.url}${READ_API_PREFIX}${READ_API_PATHS.events}`, {
      headers: { origin: 'https://evil.example' },
    });
    expect(response.status).toBe(403);
  });

  it('records each accepted event with its rule matches and each target outcome', async () => {
    const { Entries = [] } = await events.send(ticketCreated('RA-2'));
    const eventId = Entries[0]?.EventId;
    const record = await eventually(async () => {
      const { body } = await read(`${READ_API_PATHS.events}?bus=Switchyard-hub&detailType=TicketCreated&limit=50`);
      const found = (body as BusEventsPage).events.find((e) => e.id === eventId);
      return found?.matched.every((m) => m.targets.every((t) => t.outcome === 'delivered')) ? found : undefined;
    });
    expect(record).toMatchObject({ source: 'switchyard.helpdesk', detail: { ticketId: 'RA-2' } });
    expect(record.matched[0]).toMatchObject({ rule: expect.any(String), targets: [{ outcome: 'delivered' }] });
    const page = (await read(`${READ_API_PATHS.events}?limit=1`)).body as BusEventsPage;
    expect(page.events).toHaveLength(1);
  });

  it('traces a ticket from its event through the starter, the triage execution, the events it emitted and their routing', async () => {
    await events.send(ticketCreated('RA-3'));
    const lineage = await eventually(
      async () => {
        const { status, body } = await read(`${READ_API_PATHS.lineage}RA-3`);
        if (status !== 200) return undefined;
        const tree = body as Lineage;
        // TicketRouted leaves through triage's outbox (a pipe from the routings table's stream), which
        // carries no trace header of the execution that wrote it: it hangs under the TicketCreated its
        // detail names as its cause (detail.metadata.causationId).
        const routed = tree.roots[0]?.children.find((n) => n.kind === 'event' && n.label.startsWith('TicketRouted'));
        // Log lines reach the log group after the invocation ends (as in CloudWatch): wait for the starter's last one too.
        const starter = tree.roots[0]?.children
          .find((n) => n.kind === 'rule')
          ?.children.find((n) => n.kind === 'message')
          ?.children.find((n) => n.kind === 'invocation');
        const starterDone = /REPORT RequestId: |"platform.report"/.test(starter?.logs?.at(-1) ?? '');
        return routed && starterDone && find(routed, (n) => n.kind === 'invocation' && n.status === 'succeeded') ? tree : undefined;
      },
      30_000,
      'the full lineage of RA-3',
    );
    expect(lineage.roots).toHaveLength(1);
    const root = lineage.roots[0] as LineageNode;
    expect(root).toMatchObject({ kind: 'event', label: expect.stringMatching(/^TicketCreated from switchyard.helpdesk/) });
    // event -> rule -> message -> starter invocation -> triage execution -> TicketRouted -> rule -> ...
    const rule = root.children.find((n) => n.kind === 'rule');
    const message = rule?.children.find((n) => n.kind === 'message');
    const starter = message?.children.find((n) => n.kind === 'invocation');
    expect(starter?.attributes?.function).toMatch(/Starter/);
    // Its log lines, first (START or platform.start) to last (REPORT or platform.report), all of this invocation.
    expect(starter?.logs?.length).toBeGreaterThan(1);
    expect(starter?.logs?.[0]).toContain(starter?.id);
    expect(starter?.logs?.at(-1)).toMatch(/REPORT RequestId: |"platform.report"/);
    const execution = starter && find(starter, (n) => n.kind === 'execution');
    expect(execution).toMatchObject({ status: 'SUCCEEDED', attributes: { type: 'EXPRESS' } });
    // What its tasks invoked hangs under it, though each task calls as its state (the state's segment its parent).
    expect(execution?.children.filter((n) => n.kind === 'invocation').map((n) => n.attributes?.function)).toEqual([
      expect.stringMatching(/Classify/),
    ]);
    const emitted = root.children.find((n) => n.kind === 'event');
    expect(emitted?.label).toMatch(/^TicketRouted/);
    expect(emitted?.attributes?.linkedBy).toBe(CAUSATION_LINK);
    expect(emitted?.children.some((n) => n.kind === 'rule')).toBe(true);
    // The same tree answers for the event id, and for the execution by name.
    const byId = (await read(`${READ_API_PATHS.lineage}${encodeURIComponent(root.id)}`)).body as Lineage;
    expect(byId.roots[0]?.id).toBe(root.id);
    const byExecution = (await read(`${READ_API_PATHS.lineage}${encodeURIComponent(execution?.id ?? '')}`)).body as Lineage;
    expect(byExecution.roots[0]).toMatchObject({ kind: 'execution', id: execution?.id });
    const byName = (await read(`${READ_API_PATHS.lineage}${encodeURIComponent(execution?.attributes?.name ?? '')}`)).body as Lineage;
    expect(byName.roots.map((node) => node.id)).toContain(execution?.id);
    // depth cuts the tree.
    const shallow = (await read(`${READ_API_PATHS.lineage}${encodeURIComponent(root.id)}?depth=2`)).body as Lineage;
    let deepest = 0;
    walk(shallow.roots[0] as LineageNode, (_node, depth) => {
      deepest = Math.max(deepest, depth);
    });
    expect(deepest).toBe(1);
  }, 45_000);

  it('traces an escalated ticket through the escalation execution to the routing a person approved', async () => {
    await events.send(ticketCreated('RA-ESC', 'hello', 'asdf qwerty'));
    const escalated = await eventually(
      async () => {
        const { status, body } = await read(`${READ_API_PATHS.events}?detailType=TicketEscalated`);
        return status === 200
          ? (body as BusEventsPage).events.find((e) => (e.detail as { ticketId?: string }).ticketId === 'RA-ESC')
          : undefined;
      },
      30_000,
      'TicketEscalated',
    );
    await sfn.send(
      new SendTaskSuccessCommand({
        taskToken: String((escalated.detail as { taskToken: string }).taskToken),
        output: JSON.stringify({ decision: 'approve', queue: 'account', reviewer: 'sam' }),
      }),
    );
    const lineage = await eventually(
      async () => {
        const { status, body } = await read(`${READ_API_PATHS.lineage}RA-ESC`);
        const tree = body as Lineage;
        const routed =
          status === 200 && tree.roots[0] && find(tree.roots[0], (n) => n.kind === 'event' && n.label.startsWith('TicketRouted'));
        return routed ? tree : undefined;
      },
      30_000,
      'TicketRouted in the lineage of RA-ESC',
    );
    const root = lineage.roots[0] as LineageNode;
    const escalation = find(root, (n) => n.kind === 'execution' && n.attributes?.type === 'STANDARD');
    expect(escalation).toBeDefined();
    // What the escalation emitted, before and after the person's decision, hangs under it.
    const emitted = escalation?.children.filter((n) => n.kind === 'event').map((n) => n.label.split(' ')[0]);
    expect(emitted).toEqual(expect.arrayContaining(['TicketEscalated', 'TicketRouted']));

    // The Workflow's status-change rule on the default bus forwards each status change to the hub,
    // which takes it with the same id: the delivery is recorded as delivered on the default bus's record.
    const succeeded = await eventually(
      async () => {
        const { body } = await read(
          `${READ_API_PATHS.events}?detailType=${encodeURIComponent('Step Functions Execution Status Change')}&limit=100`,
        );
        const records = (body as BusEventsPage).events.filter(
          (e) => (e.detail as { executionArn?: string; status?: string }).executionArn === escalation?.id,
        );
        const onDefault = records.find((e) => e.bus === 'default' && (e.detail as { status?: string }).status === 'SUCCEEDED');
        return onDefault?.matched.every((m) => m.targets.every((t) => t.outcome === 'delivered')) ? { onDefault, records } : undefined;
      },
      15_000,
      "the escalation's SUCCEEDED status change delivered to the hub",
    );
    expect(succeeded.onDefault.matched).toEqual([
      expect.objectContaining({
        rule: expect.stringMatching(/StatusChanges/),
        targets: [expect.objectContaining({ arn: expect.stringMatching(/:event-bus\/Switchyard-hub$/) })],
      }),
    ]);
    expect(
      succeeded.records
        .filter((e) => e.id === succeeded.onDefault.id)
        .map((e) => e.bus)
        .sort(),
    ).toEqual(['Switchyard-hub', 'default']);
    // Its lineage: one root, the hub's copy under the forwarding rule.
    const forwarded = (await read(`${READ_API_PATHS.lineage}${succeeded.onDefault.id}`)).body as Lineage;
    expect(forwarded.roots).toHaveLength(1);
    const rule = forwarded.roots[0]?.children.find((n) => n.kind === 'rule');
    expect(rule?.status).toBe('delivered');
    expect(rule?.children.map((n) => [n.kind, n.attributes?.bus])).toContainEqual(['event', 'Switchyard-hub']);
  }, 60_000);

  it('traces a ticket the starter dead-lettered, with the reason', async () => {
    await events.send(ticketCreated('RA-BAD', 'No body', null));
    const lineage = await eventually(
      async () => {
        const { status, body } = await read(`${READ_API_PATHS.lineage}RA-BAD`);
        const tree = body as Lineage;
        return status === 200 && tree.roots[0] && find(tree.roots[0], (n) => n.kind === 'dead-letter') ? tree : undefined;
      },
      30_000,
      'the dead-letter of RA-BAD',
    );
    const deadLetter = find(lineage.roots[0] as LineageNode, (n) => n.kind === 'dead-letter');
    expect(deadLetter).toMatchObject({ status: 'dead-lettered', reason: expect.stringContaining("must have required property 'body'") });
  }, 45_000);

  it('closes promptly with a live feed open', async () => {
    const second = await LocalRuntime.start({ cdkOut: outdir, ...disposableData(), port: 0, log: () => {} });
    const feed = await new Promise<IncomingMessage>((resolve) => get(`${second.url}${READ_API_PREFIX}${READ_API_PATHS.stream}`, resolve));
    feed.on('error', () => {});
    const closed = new Promise((resolve) => feed.on('close', resolve));
    feed.resume();
    const started = Date.now();
    await second.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
    // The subscriber sees its stream end (not hang).
    await closed;
  }, 60_000);
});
