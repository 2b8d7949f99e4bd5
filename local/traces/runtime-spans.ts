import { randomUUID } from 'node:crypto';
import { executionEndStatus } from '../../clients/execution-statuses.js';
import type { ModelCallSummary } from '../../clients/read-api-contract.js';
import {
  derivedTraceRoot,
  eventSegment,
  executionSegment,
  messageSegment,
  parseTraceHeader,
  ruleMatchSegment,
  segmentOf,
  stateSegment,
  type TraceHeader,
} from '../endpoint/trace-header.js';
import type { ReadNotes } from '../read-api/read-notes.js';
import { type GraphqlRequestNote, writeGraphqlSpan } from './graphql-spans.js';
import { newSpanId, type PlainAttribute, SPAN_KIND, type SpanWriter, unsampled } from './span-writer.js';

/*
 * The notes the runtime's services already tell the read API (read-api/read-notes.ts, each
 * service's module declaring its own): read here by kind, so that the traces service imports
 * no service, and a note is declared once. Each service's module hands its notes to both.
 */
type AcceptedEvent = ReadNotes['eventAccepted'];
type TargetAttempt = ReadNotes['delivery'];
type QueuedMessage = ReadNotes['message']['note'];
type Invocation = ReadNotes['invocation'];

/** A Step Functions history event, with its execution. */
export interface ExecutionStep {
  readonly execution: {
    readonly arn: string;
    readonly stateMachineArn: string;
    readonly stateMachineName: string;
    readonly name: string;
    readonly startDate: number;
  };
  readonly event: { readonly id: number; readonly timestamp: number; readonly type: string; readonly [details: string]: unknown };
  /** The header the execution's tasks carry (its trace; the execution as parent). */
  readonly traceHeader: string;
  /** The header it was started with, if any (its `Parent` is the execution's parent). */
  readonly startedWith?: string;
}

/** The price of a model call in US dollars, where the runtime's price table has one. */
export type ModelCallPricer = (call: ModelCallSummary) => number | undefined;

function nameOf(arn: string): string {
  return arn.split(/[:/]/).at(-1) ?? arn;
}

function correlationIdOf(detail: unknown): string | undefined {
  const metadata = (detail as { metadata?: { correlationId?: unknown } } | undefined)?.metadata;
  return typeof metadata?.correlationId === 'string' ? metadata.correlationId : undefined;
}

/**
 * The spans AWS's services would record for what the local runtime's services do, made from
 * the notes each service already gives its observers (one hook per hop: the bus's acceptance,
 * the target outbox's delivery, SQS's store, Lambda's invoker, the Step Functions history, the
 * Bedrock call ledger). Each span's id is the X-Ray segment the service's next calls carry as
 * `Parent` (`local/endpoint/trace-header.ts`), so the spans of a journey nest as its calls did, and the
 * kit's spans under a function's `_X_AMZN_TRACE_ID` hang under the invocation's span. A caller's
 * `Sampled=0` is honoured: nothing is recorded under it.
 */
export class RuntimeSpans {
  readonly #invocations = new Map<string, Invocation>();
  /** Each execution's states entered and not yet exited, by execution and state name (a Map state enters one many times). */
  readonly #openStates = new Map<string, Map<string, { id: number; at: number; type: string }[]>>();

  constructor(
    private readonly writer: SpanWriter,
    private readonly pricer?: () => ModelCallPricer | undefined,
  ) {}

  /** EventBridge: the PutEvents that put the event (a server span) and each rule it matched. */
  eventAccepted(note: AcceptedEvent): void {
    const { event, bus } = note;
    const header = parseTraceHeader(note.traceHeader);
    if (unsampled(header)) return;
    const replay = event['replay-name'];
    // An event put without a header has a trace of its own, the one its deliveries carry (target-outbox.ts).
    const root = header?.root ?? derivedTraceRoot(Date.parse(event.time), event.id, replay ?? '');
    const segment = eventSegment(event.id, replay);
    this.writer.write({
      service: 'EventBridge',
      name: `PutEvents ${bus.name}`,
      kind: SPAN_KIND.server,
      root,
      segment,
      ...(header?.parent ? { parent: header.parent } : {}),
      start: note.acceptedAt,
      end: note.acceptedAt,
      attributes: {
        'rpc.system': 'aws-api',
        'rpc.service': 'EventBridge',
        'rpc.method': 'PutEvents',
        'cloud.resource_id': bus.arn,
        'messaging.destination.name': bus.name,
        'messaging.message.id': event.id,
        'switchyard.event.id': event.id,
        'switchyard.event.source': event.source,
        'switchyard.event.detail_type': event['detail-type'],
        'switchyard.event.replay_name': replay,
        'switchyard.correlation_id': correlationIdOf(event.detail),
        'switchyard.event.rules_matched': note.matched.map((rule) => rule.name),
      },
    });
    for (const rule of note.matched) {
      this.writer.write({
        service: 'EventBridge',
        name: `match ${rule.name}`,
        kind: SPAN_KIND.internal,
        root,
        segment: ruleMatchSegment(event.id, replay, rule.arn),
        parent: segment,
        start: note.acceptedAt,
        end: note.acceptedAt,
        attributes: { 'aws.events.rule.arn': rule.arn, 'aws.events.rule.name': rule.name, 'switchyard.rule.targets': rule.targets.length },
      });
    }
  }

  /** EventBridge: one attempt at a rule's target, under the rule match (a producer span: it sends the event on). */
  targetAttempt(note: TargetAttempt): void {
    const header = parseTraceHeader(note.traceHeader);
    if (header === undefined || unsampled(header) || note.startedAt === undefined) return;
    const failed = note.outcome !== 'delivered';
    this.writer.write({
      service: 'EventBridge',
      name: `deliver ${note.targetId}`,
      kind: SPAN_KIND.producer,
      root: header.root,
      segment: segmentOf('delivery', note.eventId, note.replayName ?? '', note.ruleArn, note.targetId, String(note.attempts)),
      parent: ruleMatchSegment(note.eventId, note.replayName, note.ruleArn),
      start: note.startedAt,
      end: note.endedAt ?? note.startedAt,
      attributes: {
        'aws.events.rule.arn': note.ruleArn,
        'switchyard.target.id': note.targetId,
        'switchyard.target.arn': note.targetArn,
        'switchyard.event.id': note.eventId,
        'switchyard.delivery.attempt': note.attempts,
        'switchyard.delivery.outcome': note.outcome,
      },
      ...(failed ? { error: errorOf(note.reason ?? note.outcome) } : {}),
    });
  }

  /** SQS: a message stored (send), or moved to a dead-letter queue; a message sent with no trace header is in no trace, as in X-Ray. */
  message(note: QueuedMessage): void {
    const header = parseTraceHeader(note.traceHeader);
    if (header === undefined || unsampled(header)) return;
    const queue = nameOf(note.queueArn);
    const moved = note.kind === 'dead-lettered';
    this.writer.write({
      service: 'SQS',
      name: `send ${queue}`,
      kind: SPAN_KIND.producer,
      root: header.root,
      // A dead-lettered message keeps its id: its move hangs under its send.
      segment: moved ? segmentOf('dead-letter', note.messageId) : messageSegment(note.messageId),
      ...(moved ? { parent: messageSegment(note.messageId) } : header.parent ? { parent: header.parent } : {}),
      start: note.time,
      end: note.time,
      attributes: {
        'messaging.system': 'aws_sqs',
        'messaging.operation.type': 'send',
        'messaging.operation.name': moved ? 'dead_letter' : 'send',
        'messaging.destination.name': queue,
        'messaging.message.id': note.messageId,
        'cloud.resource_id': note.queueArn,
        ...(moved ? { 'switchyard.sqs.source_queue_arn': note.sourceQueueArn, 'switchyard.sqs.receive_count': note.receiveCount } : {}),
      },
    });
  }

  /** Lambda: each invocation (`faas.*`); an event source mapping's batch also as an SQS receive, linked to each message's send. */
  invocation(note: Invocation): void {
    if (note.phase === 'started') {
      this.#invocations.set(note.requestId, note);
      return;
    }
    const started = this.#invocations.get(note.requestId);
    this.#invocations.delete(note.requestId);
    const own = parseTraceHeader(note.traceHeader);
    if (own?.parent === undefined || unsampled(own)) return;
    const start = started?.time ?? note.time;
    const caller = parseTraceHeader(note.callerTraceHeader);
    const receive = note.messages?.length ? this.#receive(note, own, start) : undefined;
    const parent = receive ?? caller?.parent;
    this.writer.write({
      service: note.functionName,
      resource: { 'cloud.platform': 'aws_lambda', 'faas.name': note.functionName },
      name: note.functionName,
      kind: note.messages?.length ? SPAN_KIND.consumer : SPAN_KIND.server,
      root: own.root,
      segment: own.parent,
      ...(parent ? { parent } : {}),
      start,
      end: note.time,
      attributes: {
        'faas.invocation_id': note.requestId,
        'faas.trigger': note.messages?.length ? 'pubsub' : 'other',
        'faas.invoked_name': note.functionName,
        'faas.invoked_provider': 'aws',
        ...(note.messages?.length ? { 'messaging.system': 'aws_sqs', 'messaging.operation.type': 'process' } : {}),
      },
      ...(note.error ? { error: { type: note.error.errorType, message: note.error.errorMessage } } : {}),
    });
  }

  /** The receive of an event source mapping's batch: under the first traced message's send, linked to every message's send. */
  #receive(note: Invocation, own: TraceHeader, start: number): string {
    const messages = note.messages ?? [];
    const carrying = messages.find((message) => parseTraceHeader(message.traceHeader)?.root === own.root);
    const segment = segmentOf('receive', note.requestId);
    const queueArn = messages[0]?.queueArn ?? '';
    const links = messages.flatMap((message) => {
      const header = parseTraceHeader(message.traceHeader);
      return header
        ? [{ root: header.root, segment: messageSegment(message.messageId), attributes: { 'messaging.message.id': message.messageId } }]
        : [];
    });
    this.writer.write({
      service: 'SQS',
      name: `receive ${nameOf(queueArn)}`,
      kind: SPAN_KIND.consumer,
      root: own.root,
      segment,
      ...(carrying ? { parent: messageSegment(carrying.messageId) } : {}),
      start,
      end: note.time,
      attributes: {
        'messaging.system': 'aws_sqs',
        'messaging.operation.type': 'receive',
        'messaging.operation.name': 'ReceiveMessage',
        'messaging.destination.name': nameOf(queueArn),
        'messaging.batch.message_count': messages.length,
        'cloud.resource_id': queueArn,
        ...(messages.length === 1 ? { 'messaging.message.id': messages[0]?.messageId } : {}),
      },
      links,
    });
    return segment;
  }

  /** Step Functions: each execution (at its end) and each state it ran. */
  executionStep(step: ExecutionStep): void {
    const own = parseTraceHeader(step.traceHeader);
    if (own === undefined || unsampled(own)) return;
    const { execution, event } = step;
    const entered = /^(\w+)StateEntered$/.exec(event.type);
    const exited = /^(\w+)StateExited$/.exec(event.type);
    if (entered) this.#enter(execution.arn, event, entered[1] as string);
    else if (exited) this.#exit(execution.arn, own.root, event, undefined);
    const final = executionEndStatus(event.type);
    if (final === undefined) return;
    const details = Object.values(event).find((value) => value !== null && typeof value === 'object') as
      | { error?: string; cause?: string }
      | undefined;
    const error = final === 'SUCCEEDED' ? undefined : { type: details?.error ?? `States.${final}`, message: details?.cause ?? final };
    // States still open when the execution ends ended with it (a failed state has no StateExited).
    for (const name of this.#openStates.get(execution.arn)?.keys() ?? []) {
      while (this.#openStates.get(execution.arn)?.get(name)?.length) this.#exit(execution.arn, own.root, { ...event, name }, error);
    }
    this.#openStates.delete(execution.arn);
    const parent = parseTraceHeader(step.startedWith)?.parent;
    this.writer.write({
      service: 'Step Functions',
      name: `${execution.stateMachineName} ${execution.name}`,
      kind: SPAN_KIND.server,
      root: own.root,
      segment: executionSegment(execution.arn),
      ...(parent ? { parent } : {}),
      start: execution.startDate,
      end: event.timestamp,
      attributes: {
        'aws.step_functions.state_machine.arn': execution.stateMachineArn,
        'switchyard.execution.arn': execution.arn,
        'switchyard.execution.name': execution.name,
        'switchyard.execution.status': final,
        'switchyard.execution.type': execution.arn.includes(':express:') ? 'EXPRESS' : 'STANDARD',
      },
      ...(error ? { error } : {}),
    });
  }

  #enter(arn: string, event: ExecutionStep['event'], type: string): void {
    const name = (event.stateEnteredEventDetails as { name?: string } | undefined)?.name ?? type;
    const states = this.#openStates.get(arn) ?? new Map<string, { id: number; at: number; type: string }[]>();
    this.#openStates.set(arn, states);
    states.set(name, [...(states.get(name) ?? []), { id: event.id, at: event.timestamp, type }]);
  }

  #exit(arn: string, root: string, event: ExecutionStep['event'], error: { type: string; message: string } | undefined): void {
    const name = (event.stateExitedEventDetails as { name?: string } | undefined)?.name ?? (event.name as string | undefined);
    const open = name === undefined ? undefined : this.#openStates.get(arn)?.get(name);
    const entered = open?.pop();
    // A state entered before a restart of the runtime: its start is not known, so no span is made of it.
    if (entered === undefined || name === undefined) return;
    this.writer.write({
      service: 'Step Functions',
      name,
      kind: SPAN_KIND.internal,
      root,
      segment: stateSegment(arn, entered.id),
      parent: executionSegment(arn),
      start: entered.at,
      end: event.timestamp,
      attributes: { 'switchyard.state.name': name, 'switchyard.state.type': entered.type, 'switchyard.execution.arn': arn },
      ...(error ? { error } : {}),
    });
  }

  /** AppSync: a GraphQL request, the parent of its resolvers' calls (graphql-spans.ts). */
  graphqlRequest(note: GraphqlRequestNote): void {
    writeGraphqlSpan(this.writer, note);
  }

  /**
   * Bedrock: a model call as a GenAI span (the OpenTelemetry GenAI semantic conventions, as
   * the kit writes them), with its cost where the price table has the model; a call made
   * with no trace header starts a trace of its own.
   */
  modelCall(call: ModelCallSummary): void {
    const header = parseTraceHeader(call.traceHeader);
    if (unsampled(header)) return;
    const end = Date.parse(call.at);
    const operation = call.images !== undefined ? 'generate_content' : /embed/i.test(call.model) ? 'embeddings' : 'chat';
    const cost = this.pricer?.()?.(call);
    const attributes: Record<string, PlainAttribute> = {
      'gen_ai.operation.name': operation,
      'gen_ai.provider.name': 'aws.bedrock',
      // Replaced by gen_ai.provider.name in the conventions, and still what most GenAI tools read.
      'gen_ai.system': 'aws.bedrock',
      'gen_ai.request.model': call.modelId,
      'gen_ai.response.model': call.model,
      // The conventions count cache reads and writes in the input tokens; Bedrock reports them apart.
      'gen_ai.usage.input_tokens': call.inputTokens + call.cacheReadInputTokens + call.cacheWriteInputTokens,
      'gen_ai.usage.output_tokens': call.outputTokens,
      'gen_ai.usage.cache_read.input_tokens': call.cacheReadInputTokens,
      'gen_ai.usage.cache_creation.input_tokens': call.cacheWriteInputTokens,
      'gen_ai.response.finish_reasons': call.stopReason === undefined ? undefined : [call.stopReason],
      'error.type': call.error,
      'switchyard.model.backend': call.backend,
      'switchyard.model.images': call.images,
      'switchyard.cost.usd': cost,
    };
    this.writer.write({
      service: 'Bedrock',
      name: `${operation} ${call.modelId}`,
      kind: SPAN_KIND.server,
      root: header?.root ?? derivedTraceRoot(end, randomUUID()),
      segment: newSpanId(),
      ...(header?.parent ? { parent: header.parent } : {}),
      start: end - call.latencyMs,
      end,
      attributes,
      ...(call.error ? { error: { type: call.error, message: `the model call failed: ${call.error}` } } : {}),
    });
  }
}

function errorOf(reason: string): { type: string; message: string } {
  const colon = reason.indexOf(': ');
  return colon > 0 ? { type: reason.slice(0, colon), message: reason.slice(colon + 2) } : { type: reason, message: reason };
}

/**
 * The runtime with its own spans turned off (RuntimeOptions.runtimeSpans: false): every hop's
 * note is heard and dropped. Spans a function or a team's SDK sends to `/v1/traces` are still kept.
 */
export class NoRuntimeSpans extends RuntimeSpans {
  constructor() {
    super({ write: () => undefined } as unknown as SpanWriter);
  }
  override eventAccepted(): void {}
  override targetAttempt(): void {}
  override message(): void {}
  override invocation(): void {}
  override executionStep(): void {}
  override modelCall(): void {}
  override graphqlRequest(): void {}
}
