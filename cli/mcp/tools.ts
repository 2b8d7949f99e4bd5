import { z } from 'zod';
import { EXECUTION_STATUSES } from '../../clients/execution-statuses.js';
import type { OtlpTracesData } from '../../clients/read-api-contract.js';
import { type RedrivenState, redrivenSummary } from '../../clients/redriven-messages.js';
import { approve, reject } from '../commands/decide.js';
import { execution } from '../commands/execution.js';
import { executions } from '../commands/executions.js';
import { failures } from '../commands/failures.js';
import { fork, forkedBefore } from '../commands/fork.js';
import { pause, resume } from '../commands/pause.js';
import { redrive } from '../commands/redrive.js';
import { replay } from '../commands/replay.js';
import { send } from '../commands/send.js';
import { stop } from '../commands/stop.js';
import { trace } from '../commands/trace.js';
import { renderSpanTrees, spanDetail } from '../trace-spans.js';
import { APP_TOOLS } from './app-tools.js';
import { changed, options, record, type ToolContext, type ToolDefinition, tool } from './tool.js';

/** An object's members as the command printed them (its --json), for a tool's structured output. */
const asObject = (json: unknown) => (json ?? {}) as Record<string, unknown>;

const executionWord = z
  .string()
  .min(1)
  .describe(
    'the execution\'s ARN, its name, or what it is about: the business key list_executions gives (OrderPlaced#orderId="O-1") or the id alone (looked up in the app\'s flows, then its durable functions)',
  );
const flowOption = z.string().min(1).optional().describe('the flow to look the execution up in, when several have the name');
const pauseTarget = z
  .string()
  .min(1)
  .describe(
    "a flow, function or queue: describe_app's name, its logical id, deployed name, ARN or construct path, as switchyard pause takes it",
  );

/** The operator commands, each a tool: the command run with --json, its answer typed. */
const COMMAND_TOOLS = [
  tool({
    name: 'send_event',
    title: 'Send an event',
    description:
      "Checks the detail against its contract (the app's schema registry), then puts the event on the app's bus (switchyard send), or on a Custom Event Bus (describe_app's customBuses) with its event group and deduplication id, answering each event PUBLISHED or DEDUPLICATED. A detail that breaks the contract is refused with the contract's errors.",
    write: true,
    input: {
      detailType: z.string().min(1).describe("one of the app's contracts (describe_app lists them)"),
      detail: record.describe("the event's detail, as the contract's schema describes it"),
      source: z.string().min(1).optional().describe("the event's source (default: the contract's)"),
      bus: z
        .string()
        .min(1)
        .optional()
        .describe(
          "the bus: describe_app's name for it (a classic bus or a Custom Event Bus), its logical id, construct path or ARN (default: the app's)",
        ),
      group: z
        .string()
        .min(1)
        .max(128)
        .optional()
        .describe("a Custom Event Bus only: the event's EventGroupId (FIFO subscribers keep each group's order)"),
      dedup: z
        .string()
        .min(1)
        .max(128)
        .optional()
        .describe('a Custom Event Bus only: the DeduplicationId; a repeat within 300 seconds is DEDUPLICATED, not delivered again'),
    },
    output: {
      bus: z.string(),
      sent: z.number(),
      failed: z.number(),
      eventIds: z.array(z.string()),
      busArn: z.string().optional().describe('a Custom Event Bus: its ARN'),
      outcomes: z
        .array(z.object({ eventId: z.string(), status: z.enum(['PUBLISHED', 'DEDUPLICATED']) }))
        .optional()
        .describe('a Custom Event Bus: each event PUBLISHED, or DEDUPLICATED (the first event of its dedup id)'),
      failures: z.array(z.unknown()),
      ...changed,
    },
    async run(args, ctx) {
      const { json } = await ctx.command(send, [
        args.detailType,
        ...options({ detail: JSON.stringify(args.detail), source: args.source, bus: args.bus, group: args.group, dedup: args.dedup }),
      ]);
      const answer = asObject(json) as { bus: string; sent: number; eventIds: string[]; outcomes?: { status: string }[] };
      const deduplicated = answer.outcomes?.filter((o) => o.status === 'DEDUPLICATED').length ?? 0;
      return {
        ...answer,
        changed:
          deduplicated === answer.sent && deduplicated > 0
            ? `put nothing new on ${answer.bus}: ${args.detailType} ${answer.eventIds.join(', ')} was deduplicated`
            : `put ${answer.sent} ${args.detailType} event${answer.sent === 1 ? '' : 's'} on ${answer.bus}: ${answer.eventIds.join(', ')}`,
      };
    },
  }),
  tool({
    name: 'list_executions',
    title: 'List executions',
    description: "The executions of the app's flows, newest first, with their business key and status (switchyard executions).",
    input: {
      flow: z.string().min(1).optional().describe('one flow: its name as listed, its state machine name or ARN'),
      status: z.enum(EXECUTION_STATUSES as unknown as [string, ...string[]]).optional(),
      limit: z.number().int().min(1).max(1000).optional().describe('at most this many (default 20)'),
    },
    output: {
      executions: z.array(z.object({ flow: z.string(), name: z.string(), status: z.string(), executionArn: z.string() }).passthrough()),
    },
    async run(args, ctx) {
      const { json } = await ctx.command(executions, options({ flow: args.flow, status: args.status, limit: args.limit }));
      return { executions: json as unknown[] };
    },
  }),
  tool({
    name: 'get_execution',
    title: 'Get one execution',
    description:
      'One execution state by state: each state with its input, output, error and retries, the failure, the fork it is and its forks (switchyard execution).',
    input: { execution: executionWord, flow: flowOption },
    output: {
      flow: z.string().optional(),
      execution: record,
      fork: z.unknown().optional(),
      forks: z.unknown().optional(),
      states: z.array(z.unknown()),
      failure: z.unknown().optional(),
    },
    async run(args, ctx) {
      const { json } = await ctx.command(execution, [args.execution, ...options({ flow: args.flow })]);
      // The raw history the states are read from is left out: the states say what it says, and it can be thousands of events.
      const { events: _events, ...rest } = asObject(json);
      return rest;
    },
  }),
  tool({
    name: 'get_trace',
    title: 'Trace an event, message, execution or business value',
    description:
      'The lineage of an event id, message id (SQS or SNS), execution, trace id or business value (an order or ticket id): rules, messages, SNS notifications with what each subscription got (and deliveries that failed or were filtered out), invocations with their logs, executions, dead letters with their reason (switchyard trace). With spans, the OpenTelemetry span tree as switchyard trace --spans prints it, a line per span starting with its id (model calls with their tokens and cost); with span, that one span whole (every attribute).',
    input: {
      id: z
        .string()
        .min(1)
        .describe('an event id, message id (SQS or SNS), request id, execution ARN or name, trace id, or a value in an event detail'),
      spans: z.boolean().optional().describe('the span tree instead of the lineage (local runtime): one line per span'),
      span: z
        .string()
        .regex(/^[0-9a-f]{16}$/)
        .optional()
        .describe("one span's detail: its id, as its line of the span tree starts with (implies spans)"),
      otlp: z
        .boolean()
        .optional()
        .describe('with spans, the raw OTLP/JSON instead of the tree (tens of KB for a journey; the tree and span say the same)'),
      depth: z.number().int().min(1).max(50).optional(),
    },
    output: { id: z.string(), view: z.enum(['lineage', 'spans', 'span', 'otlp']), trace: z.unknown() },
    async run(args, ctx) {
      const spans = args.spans === true || args.span !== undefined || args.otlp === true;
      const { json } = await ctx.command(trace, [args.id, ...options({ spans, depth: args.depth })]);
      if (!spans) return { id: args.id, view: 'lineage', trace: json };
      // The command answers OTLP/JSON (16-24 KB for one journey): an agent reads the tree the CLI prints, a screen of it.
      const data = json as OtlpTracesData;
      if (args.span !== undefined) return { id: args.id, view: 'span', trace: spanDetail(data, args.span, args.id) };
      if (args.otlp === true) return { id: args.id, view: 'otlp', trace: data };
      return { id: args.id, view: 'spans', trace: renderSpanTrees(data, { spanIds: true }) };
    },
  }),
  tool({
    name: 'list_failures',
    title: 'List failures',
    description:
      'Everything that failed, newest first: one entry per dead letter naming its queue (source) with its reason, failed executions with their error, refused IAM requests (switchyard failures).',
    input: {
      since: z.string().min(1).optional().describe('30m, 2h, 7d (ago) or an ISO-8601 time'),
      source: z.string().min(1).optional().describe('one dead-letter queue, flow or durable function'),
      limit: z.number().int().min(1).max(1000).optional(),
    },
    output: {
      failures: z.array(z.object({ source: z.string(), kind: z.string(), id: z.string(), reason: z.string().optional() }).passthrough()),
      queues: z.array(record),
    },
    async run(args, ctx) {
      const { json } = await ctx.command(failures, options({ since: args.since, source: args.source, limit: args.limit }));
      const { failures: rows, queues } = asObject(json);
      return { failures: rows, queues };
    },
  }),
  tool({
    name: 'redrive',
    title: 'Redrive failed messages or executions',
    description:
      "Sends what failed back to be processed again (switchyard redrive): a dead-letter queue's messages (all, or ids) back to their queue, a flow's failed executions or one execution with RedriveExecution. A message whose event breaks its contract is refused unless detail gives its fixed detail, which replaces the letter's (checked against the contract first). Against the local runtime each message moved is followed (up to 30 s) to its consumer's outcome: changed says where they are (handled, waiting in a queue no consumer reads or whose consumer is paused), and one its consumer fails again is an error naming the consumer's error.",
    write: true,
    input: {
      source: z.string().min(1).describe('a dead-letter queue or flow as list_failures names it, or an execution name or ARN'),
      ids: z.array(z.string().min(1)).min(1).optional().describe('only these messages (ids as list_failures gives them)'),
      detail: record.optional().describe("the fixed detail of the one message ids names: replaces the event's detail before it goes back"),
    },
    output: { redriven: z.array(record), ...changed },
    async run(args, ctx) {
      const argv = [
        args.source,
        ...options({ ids: args.ids?.join(','), detail: args.detail === undefined ? undefined : JSON.stringify(args.detail) }),
      ];
      const { json } = await ctx.command(redrive, argv);
      const redriven = (json ?? []) as Record<string, unknown>[];
      const moved = redriven.map((r) =>
        r.execution ? `execution ${r.execution} redriven` : `${r.moved ?? 0} message(s) of ${r.source} sent back${thenOf(r)}`,
      );
      return { redriven, changed: moved.join('; ') || 'nothing: there was nothing to redrive' };
    },
  }),
  tool({
    name: 'replay',
    title: 'Replay archived events',
    description:
      "Replays the events the bus's archive received in a time window (switchyard replay); policy tells consumers to reprocess, skip or dry-run them.",
    write: true,
    input: {
      from: z.string().min(1).describe('30m, 2h, 7d (ago), an ISO-8601 time'),
      to: z.string().min(1).optional(),
      detailType: z.string().min(1).optional(),
      policy: z.enum(['reprocess', 'skip', 'dry-run']).optional(),
      archive: z.string().min(1).optional(),
      wait: z.boolean().optional().describe('follow the replay to its end and say what the consumers did'),
    },
    output: { replay: record, ...changed },
    async run(args, ctx) {
      const argv = options({
        from: args.from,
        to: args.to,
        'detail-type': args.detailType,
        policy: args.policy,
        archive: args.archive,
        wait: args.wait,
      });
      const { json } = await ctx.command(replay, argv);
      const answer = asObject(json);
      return { replay: answer, changed: `started replay ${String(answer.replayName ?? answer.name ?? '')}`.trim() };
    },
  }),
  tool({
    name: 'fork_execution',
    title: 'Fork an execution from a state',
    description:
      'Reruns an execution from one of its states (or durable steps) with the input that state had, or an edit of it; the states before it do not run again (switchyard fork). Answers as switchyard fork --json.',
    write: true,
    input: {
      execution: executionWord,
      from: z.string().min(1).describe('the state (or durable step) the fork begins at'),
      input: z.unknown().optional().describe("the state's input instead of the recorded one"),
      patch: record.optional().describe('a JSON merge patch (RFC 7396) of the recorded input'),
      effects: z.enum(['skip', 'rerun']).optional(),
      flow: flowOption,
    },
    output: {
      executionArn: z.string(),
      name: z.string(),
      parent: z.string(),
      from: z.string(),
      existing: z.literal(true).optional(),
      ...changed,
    },
    async run(args, ctx) {
      const edit = {
        input: args.input === undefined ? undefined : JSON.stringify(args.input),
        patch: args.patch === undefined ? undefined : JSON.stringify(args.patch),
      };
      const { json } = await ctx.command(fork, [
        args.execution,
        ...options({ from: args.from, ...edit, effects: args.effects, flow: args.flow }),
      ]);
      const answer = asObject(json) as { executionArn: string; name: string; from: string; existing?: true };
      if (answer.existing) return { ...answer, changed: forkedBefore(args.execution, answer) };
      return { ...answer, changed: `started ${answer.name}, a fork of ${args.execution} from ${answer.from}` };
    },
  }),
  tool({
    name: 'stop_execution',
    title: 'Stop an execution',
    description: 'Stops a running Step Functions or Lambda durable execution (switchyard stop); one already ended is left as it is.',
    write: true,
    input: { execution: executionWord, error: z.string().max(256).optional(), cause: z.string().max(32_768).optional(), flow: flowOption },
    output: { name: z.string(), executionArn: z.string(), stopped: z.boolean(), status: z.string().optional(), ...changed },
    async run(args, ctx) {
      const { json } = await ctx.command(stop, [args.execution, ...options({ error: args.error, cause: args.cause, flow: args.flow })]);
      const answer = asObject(json) as { name: string; stopped: boolean; status?: string };
      return {
        ...answer,
        changed: answer.stopped ? `stopped ${answer.name}` : `nothing: ${answer.name} had already ended ${answer.status ?? ''}`.trim(),
      };
    },
  }),
  ...(['pause', 'resume'] as const).map((action) =>
    tool({
      name: `${action}_flow`,
      title: action === 'pause' ? 'Pause a flow' : 'Resume a flow',
      description:
        action === 'pause'
          ? "Stops a flow's, function's or queue's consumers taking messages (switchyard pause); answers once they have stopped. Events wait in their queues."
          : 'Undoes pause_flow (switchyard resume); answers once the consumers take messages again.',
      write: true,
      input: { target: pauseTarget },
      output: {
        action: z.string(),
        targets: z.array(z.object({ name: z.string(), kind: z.string() })),
        consumers: z.array(z.object({ consumer: z.string(), kind: z.string(), state: z.string(), changed: z.boolean() }).passthrough()),
        missing: z.array(z.string()),
        ...changed,
      },
      async run(args: { target: string }, ctx: ToolContext) {
        const { json } = await ctx.command(action === 'pause' ? pause : resume, [args.target, '--wait']);
        const answer = asObject(json) as { consumers: { consumer: string; state: string; changed: boolean }[] };
        const moved = answer.consumers.filter((c) => c.changed).map((c) => `${c.consumer} ${c.state}`);
        return {
          ...answer,
          changed: moved.length > 0 ? moved.join(', ') : `nothing: ${args.target} was ${action === 'pause' ? 'paused' : 'running'} already`,
        };
      },
    }),
  ),
  tool({
    name: 'decide_task',
    title: 'Approve or reject a waiting task',
    description:
      "Answers an open escalation of the app's EscalationPolicy (switchyard approve/reject): the decision is checked against the policy's decision schema, then by the policy.",
    write: true,
    input: {
      subject: z
        .string()
        .min(1)
        .describe("what the escalation is about (the policy's subject: a ticket id, say), or its execution name or ARN"),
      decision: z.enum(['approve', 'reject']),
      fields: z
        .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
        .optional()
        .describe("the decision's fields, as the policy's decision schema names them"),
      flow: flowOption,
    },
    output: { executionArn: z.string(), flow: z.string().optional(), state: z.string().optional(), decision: z.unknown(), ...changed },
    async run(args, ctx) {
      const fields = Object.entries(args.fields ?? {}).flatMap(([name, value]) => [`--${name}`, String(value)]);
      const { json } = await ctx.command(args.decision === 'approve' ? approve : reject, [
        args.subject,
        ...fields,
        ...options({ flow: args.flow }),
      ]);
      const answer = asObject(json) as { executionArn: string };
      return {
        ...answer,
        changed: `${args.decision === 'approve' ? 'approved' : 'rejected'} the escalation of ${args.subject} (${answer.executionArn})`,
      };
    },
  }),
];

/** Every tool the server offers, in the order it lists them. */
export const TOOLS: readonly ToolDefinition<z.ZodRawShape, z.ZodRawShape>[] = [...APP_TOOLS, ...COMMAND_TOOLS];

/** Where a queue redrive's messages went next, as the command followed them: `; then 1 handled` (a failure is the command's error). */
function thenOf(report: Record<string, unknown>): string {
  const messages = Array.isArray(report.messages) ? (report.messages as { newMessageId?: string; then?: RedrivenState }[]) : [];
  const states = new Map(
    messages.flatMap((m) => (m.newMessageId !== undefined && m.then !== undefined ? [[m.newMessageId, m.then] as const] : [])),
  );
  return states.size === 0 ? '' : `; then ${redrivenSummary(states)}`;
}
