import { all, call, toDate } from '../aws.js';
import { duration, h, message, replace, time } from '../dom.js';
import { stateMachines } from '../escalations.js';
import { expressExecutions, subscribe } from '../feed.js';
import { executionHref } from '../routes.js';

interface QueueInfo {
  readonly url: string;
  readonly name: string;
  readonly arn: string;
  readonly depth: number;
  readonly inFlight: number;
  readonly delayed: number;
  readonly deadLetterArn?: string;
  readonly maxReceiveCount?: number;
}

/** The reason attributes a Switchyard consumer puts on a message it dead-letters (contracts/wiring.ts). */
const REASON = {
  name: 'Switchyard.ErrorName',
  message: 'Switchyard.ErrorMessage',
  fn: 'Switchyard.FunctionName',
  at: 'Switchyard.FailedAt',
};

/**
 * Everything that failed, with its reason and age: queues and their dead-letter queues
 * (depth, the messages' reasons), failed executions; redrive for both.
 */
export function failuresPage(root: HTMLElement): () => void {
  const queuesBox = h('section', {}, h('p', { class: 'muted' }, 'Loading queues…'));
  const deadBox = h('section', {});
  const executionsBox = h('section', {});
  const status = h('div', { class: 'flash', role: 'status', 'aria-live': 'polite' });
  replace(root, h('h1', {}, 'Failures and queues'), status, deadBox, executionsBox, queuesBox);
  let stopped = false;

  const load = async () => {
    try {
      const [queues, ruleDeadLetters] = await Promise.all([
        listQueues(),
        ruleTargetDeadLetterQueues().catch(() => new Map<string, string[]>()),
      ]);
      const deadArns = new Set([...queues.flatMap((q) => (q.deadLetterArn ? [q.deadLetterArn] : [])), ...ruleDeadLetters.keys()]);
      const byArn = new Map(queues.map((q) => [q.arn, q]));
      const sourcesOf = (arn: string) => [
        ...queues.filter((q) => q.deadLetterArn === arn).map((q) => q.name),
        ...(ruleDeadLetters.get(arn) ?? []),
      ];
      const dead = queues.filter((q) => deadArns.has(q.arn));
      const peeks = await Promise.all(dead.map((q) => (q.depth > 0 ? peek(q.url) : Promise.resolve([]))));
      if (stopped) return;
      replace(
        deadBox,
        h('h2', {}, 'Dead-letter queues'),
        dead.length === 0
          ? h('p', { class: 'muted' }, 'No queue has a dead-letter queue.')
          : dead.map((q, i) =>
              deadLetterQueue(
                q,
                sourcesOf(q.arn),
                peeks[i] ?? [],
                queues.some((s) => s.deadLetterArn === q.arn),
              ),
            ),
      );
      replace(
        queuesBox,
        h('h2', {}, 'Queues'),
        h(
          'table',
          { class: 'queues' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Queue', 'Messages', 'In flight', 'Delayed', 'Dead-letter queue'].map((c) => h('th', {}, c)),
            ),
          ),
          h(
            'tbody',
            {},
            queues.map((q) =>
              h(
                'tr',
                { 'data-queue': q.name },
                h('td', {}, q.name, deadArns.has(q.arn) ? h('span', { class: 'pill' }, 'DLQ') : null),
                h('td', {}, String(q.depth)),
                h('td', {}, String(q.inFlight)),
                h('td', {}, String(q.delayed)),
                h(
                  'td',
                  {},
                  q.deadLetterArn
                    ? `${byArn.get(q.deadLetterArn)?.name ?? q.deadLetterArn} (${byArn.get(q.deadLetterArn)?.depth ?? '?'}) after ${q.maxReceiveCount ?? '?'} receives`
                    : '-',
                ),
              ),
            ),
          ),
        ),
      );
    } catch (error) {
      if (!stopped) replace(queuesBox, h('p', { class: 'error' }, message(error)));
    }
    try {
      const failed = await failedExecutions();
      if (stopped) return;
      replace(
        executionsBox,
        h('h2', {}, 'Failed executions'),
        failed.length === 0
          ? h('p', { class: 'muted' }, 'No failed executions.')
          : h(
              'table',
              {},
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['Flow', 'Execution', 'Status', 'Failed', 'Age', ''].map((c) => h('th', {}, c)),
                ),
              ),
              h(
                'tbody',
                {},
                failed.map((e) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, e.flow),
                    h('td', {}, h('a', { href: executionHref(e.executionArn) }, e.name)),
                    h('td', {}, h('span', { class: `pill status-${e.status.toLowerCase()}` }, e.status)),
                    h('td', {}, time(e.stopDate)),
                    h('td', {}, e.stopDate ? duration(Date.now() - e.stopDate.getTime()) : '-'),
                    h(
                      'td',
                      {},
                      e.express ? '' : h('button', { type: 'button', onclick: () => void redriveExecution(e.executionArn) }, 'Redrive'),
                    ),
                  ),
                ),
              ),
            ),
      );
    } catch (error) {
      if (!stopped) replace(executionsBox, h('p', { class: 'error' }, message(error)));
    }
  };

  const redriveQueue = async (queue: QueueInfo) => {
    try {
      const { TaskHandle } = await call<{ TaskHandle?: string }>('sqs', 'StartMessageMoveTask', { SourceArn: queue.arn });
      replace(status, h('p', { class: 'ok' }, `Redriving ${queue.name} to its source queues (task ${TaskHandle ?? '?'}).`));
      setTimeout(() => void load(), 1000);
    } catch (error) {
      replace(status, h('p', { class: 'error' }, message(error)));
    }
  };
  const redriveExecution = async (executionArn: string) => {
    try {
      await call('sfn', 'RedriveExecution', { executionArn });
      replace(status, h('p', { class: 'ok' }, `Redriven: ${executionArn.split(':').at(-1)}.`));
      void load();
    } catch (error) {
      replace(status, h('p', { class: 'error' }, message(error)));
    }
  };

  const deadLetterQueue = (q: QueueInfo, sources: string[], messages: Message[], redrivable: boolean) =>
    h(
      'article',
      { class: 'dlq', 'data-queue': q.name },
      h(
        'h3',
        {},
        `${q.name} · ${q.depth} message${q.depth === 1 ? '' : 's'}`,
        sources.length ? h('span', { class: 'muted' }, ` from ${sources.join(', ')}`) : null,
        ' ',
        // StartMessageMoveTask moves back to the queues that dead-lettered them; a rule target's DLQ has none.
        q.depth > 0 && redrivable ? h('button', { type: 'button', onclick: () => void redriveQueue(q) }, 'Redrive to source') : null,
        q.depth > 0 && !redrivable
          ? h('span', { class: 'muted small' }, ' (a rule target’s dead-letter queue: its events can be sent again with PutEvents)')
          : null,
      ),
      messages.length === 0
        ? null
        : h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Age', 'Reason', 'Function', 'Receives', 'Body'].map((c) => h('th', {}, c)),
              ),
            ),
            h(
              'tbody',
              {},
              messages.map((m) => {
                const attr = (name: string) => m.MessageAttributes?.[name]?.StringValue;
                const sent = toDate(Number(m.Attributes?.SentTimestamp ?? 0) / 1000);
                const reason = attr(REASON.name)
                  ? `${attr(REASON.name)}: ${attr(REASON.message) ?? ''}`
                  : 'no reason recorded (moved after maxReceiveCount)';
                return h(
                  'tr',
                  {},
                  h('td', {}, sent ? duration(Date.now() - sent.getTime()) : '-'),
                  h('td', { class: 'reason' }, reason),
                  h('td', {}, attr(REASON.fn) ?? '-'),
                  h('td', {}, m.Attributes?.ApproximateReceiveCount ?? '-'),
                  h('td', { class: 'small' }, (m.Body ?? '').slice(0, 160)),
                );
              }),
            ),
          ),
      q.depth > messages.length && messages.length > 0
        ? h('p', { class: 'muted small' }, `showing ${messages.length} of ${q.depth}`)
        : null,
    );

  void load();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = subscribe((m) => {
    if ((m.kind !== 'dead-letter' && !(m.kind === 'execution' && m.status !== 'RUNNING')) || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void load();
    }, 500);
  });
  return () => {
    stopped = true;
    unsubscribe();
    clearTimeout(timer);
  };
}

/** The dead-letter queues of EventBridge rule targets (DeadLetterConfig), each with the `rule → target` pairs that use it. */
async function ruleTargetDeadLetterQueues(): Promise<Map<string, string[]>> {
  const tokens = { request: 'NextToken', response: 'NextToken' };
  const byQueue = new Map<string, string[]>();
  const buses = await all<{ Name?: string }>('events', 'ListEventBuses', {}, 'EventBuses', tokens);
  for (const bus of buses) {
    const rules = await all<{ Name?: string }>('events', 'ListRules', { EventBusName: bus.Name }, 'Rules', tokens);
    for (const rule of rules) {
      const targets = await all<{ Id?: string; Arn?: string; DeadLetterConfig?: { Arn?: string } }>(
        'events',
        'ListTargetsByRule',
        { Rule: rule.Name, EventBusName: bus.Name },
        'Targets',
        tokens,
      );
      for (const target of targets) {
        const dlq = target.DeadLetterConfig?.Arn;
        if (dlq) byQueue.set(dlq, [...(byQueue.get(dlq) ?? []), `rule ${rule.Name} → ${target.Arn?.split(':').at(-1) ?? target.Id}`]);
      }
    }
  }
  return byQueue;
}

async function listQueues(): Promise<QueueInfo[]> {
  const urls = await all<string>('sqs', 'ListQueues', { MaxResults: 1000 }, 'QueueUrls', { request: 'NextToken', response: 'NextToken' });
  const queues: QueueInfo[] = [];
  for (const url of urls) {
    const { Attributes = {} } = await call<{ Attributes?: Record<string, string> }>('sqs', 'GetQueueAttributes', {
      QueueUrl: url,
      AttributeNames: ['All'],
    });
    let redrive: { deadLetterTargetArn?: string; maxReceiveCount?: number | string } = {};
    try {
      redrive = JSON.parse(Attributes.RedrivePolicy ?? '{}');
    } catch {
      // no readable policy: no dead-letter queue
    }
    queues.push({
      url,
      name: url.split('/').at(-1) ?? url,
      arn: Attributes.QueueArn ?? '',
      depth: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
      ...(redrive.deadLetterTargetArn
        ? { deadLetterArn: redrive.deadLetterTargetArn, maxReceiveCount: Number(redrive.maxReceiveCount) }
        : {}),
    });
  }
  return queues.sort((a, b) => a.name.localeCompare(b.name));
}

interface Message {
  Body?: string;
  Attributes?: Record<string, string>;
  MessageAttributes?: Record<string, { StringValue?: string }>;
}

/**
 * Up to ten messages of a dead-letter queue with their reasons, left visible (a receive with
 * VisibilityTimeout 0, as the SQS console's "poll for messages" does: it counts as a receive).
 */
async function peek(url: string): Promise<Message[]> {
  const { Messages = [] } = await call<{ Messages?: Message[] }>('sqs', 'ReceiveMessage', {
    QueueUrl: url,
    MaxNumberOfMessages: 10,
    VisibilityTimeout: 0,
    WaitTimeSeconds: 0,
    MessageAttributeNames: ['All'],
    MessageSystemAttributeNames: ['All'],
  });
  return Messages;
}

async function failedExecutions(): Promise<
  { flow: string; executionArn: string; name: string; status: string; stopDate?: Date; express: boolean }[]
> {
  const rows: { flow: string; executionArn: string; name: string; status: string; stopDate?: Date; express: boolean }[] = [];
  for (const machine of await stateMachines()) {
    for (const status of ['FAILED', 'TIMED_OUT', 'ABORTED']) {
      if (machine.type === 'STANDARD') {
        const page = await call<{ executions?: Record<string, unknown>[] }>('sfn', 'ListExecutions', {
          stateMachineArn: machine.stateMachineArn,
          statusFilter: status,
          maxResults: 20,
        });
        for (const e of page.executions ?? []) {
          rows.push({
            flow: machine.name,
            executionArn: String(e.executionArn),
            name: String(e.name),
            status,
            stopDate: toDate(e.stopDate),
            express: false,
          });
        }
      } else {
        const page = await expressExecutions({ stateMachineArn: machine.stateMachineArn, status, limit: 20 }).catch(() => ({
          executions: [],
        }));
        for (const e of page.executions) {
          rows.push({
            flow: machine.name,
            executionArn: e.executionArn,
            name: e.name,
            status,
            stopDate: toDate(e.stopDate),
            express: true,
          });
        }
      }
    }
  }
  return rows.sort((a, b) => (b.stopDate?.getTime() ?? 0) - (a.stopDate?.getTime() ?? 0));
}
