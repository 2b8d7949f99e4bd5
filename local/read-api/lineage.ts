import { type FlowOutcome, flowOutcomeOf } from '../../clients/flow-control.js';
import type { BusEventRecord, LineageNode, RuleMatch } from '../../clients/read-api-contract.js';
import { eventSegment, ruleMatchSegment } from '../endpoint/trace-header.js';
import { tryParseArn } from '../names/arn.js';
import type { ReadApiRecords, StoredNode } from './records.js';
import type { LogReader } from './routes.js';

/** Events whose detail holds a value traced per page (a ticket id named by thousands of events pages on). */
const DETAIL_MATCHES_PER_PAGE = 50;

/** Which page of a lineage's roots: `after` is the `last` of the page before. */
export interface LineagePageRequest {
  readonly limit?: number;
  readonly after?: number;
}

/** What lineage reads from the services besides the read API's own records (their ServiceReads). */
export interface LineageSources {
  /** An invocation's log lines, when a service keeps them. */
  readonly logs: () => LogReader | undefined;
  /**
   * What hangs under a segment that the services know of and the records do not: a Lambda
   * durable execution an invocation started (its Invoke carried the invocation's trace header),
   * a model call it made (the SDK sends the header with each).
   */
  readonly from: (segment: string) => readonly LineageNode[];
}

/**
 * Assembles lineage trees from the read API's records: an event's rule matches, what each
 * rule's targets received, and on down every node whose trace header names its parent.
 */
export class LineageBuilder {
  constructor(
    private readonly records: ReadApiRecords,
    /** What the services add (ServiceReads): invocations' log lines, and what they know hangs under a segment. */
    private readonly services: LineageSources,
  ) {}

  /**
   * One page of the lineage of `id`: what the id names (an event, message, invocation,
   * execution), all on the first page; else the events whose detail holds it, oldest first,
   * a page at a time. `last` is set when another page follows. An event another one on the
   * page led to is in that one's tree, not a root of its own; across pages, clients drop
   * such roots (mergeLineagePages).
   */
  async build(id: string, depth: number, page: LineagePageRequest = {}): Promise<{ roots: LineageNode[]; last?: number }> {
    const seen = new Set<string>();
    const roots: LineageNode[] = [];
    if (page.after === undefined) {
      for (const event of this.records.eventsById(id)) {
        if (!seen.has(eventKey(event))) roots.push(await this.#event(event, depth, seen));
      }
      const nodes = [...this.records.nodesById(id), ...this.records.executionsNamed(id)];
      for (const node of nodes) {
        if (!seen.has(key(node))) roots.push(await this.#node(node, depth, seen));
      }
      if (roots.length > 0) return { roots };
    }
    const limit = page.limit ?? DETAIL_MATCHES_PER_PAGE;
    const matches = this.records.eventsWithDetailValue(id, limit + 1, page.after);
    const shown = matches.slice(0, limit);
    for (const { record: event } of shown) {
      if (!seen.has(eventKey(event))) roots.push(await this.#event(event, depth, seen));
    }
    const last = matches.length > limit ? shown.at(-1)?.seq : undefined;
    return { roots, ...(last === undefined ? {} : { last }) };
  }

  async #event(event: BusEventRecord, depth: number, seen: Set<string>): Promise<LineageNode> {
    seen.add(eventKey(event));
    const children: LineageNode[] = [];
    if (depth > 1) {
      for (const match of event.matched) children.push(await this.#rule(event, match, depth - 1, seen));
      children.push(...(await this.#childrenOf(eventSegment(event.id, event.replayName), depth - 1, seen)));
      children.push(...(await this.#causedBy(event, depth - 1, seen)));
    }
    return {
      kind: 'event',
      id: event.id,
      label: `${event.detailType} from ${event.source} on ${event.bus}${event.replayName ? ` (replay ${event.replayName})` : ''}`,
      time: event.acceptedAt,
      status: event.matched.length === 0 ? 'matched no rule' : 'accepted',
      attributes: {
        bus: event.bus,
        source: event.source,
        detailType: event.detailType,
        ...(event.replayName ? { replayName: event.replayName } : {}),
        ...(event.traceHeader ? { traceHeader: event.traceHeader } : {}),
      },
      children,
    };
  }

  /**
   * The events `event` caused that arrived with no trace header to place them (one a
   * transactional outbox's pipe sent: AWS carries no trace context through a DynamoDB stream,
   * and neither does the local runtime). Switchyard's events name their cause in
   * `detail.metadata.causationId` (the kit's `prepareEvent`, the flows' metadata), so they hang
   * under it, marked as linked by that id; an event placed by its trace header is already in the tree.
   */
  async #causedBy(event: BusEventRecord, depth: number, seen: Set<string>): Promise<LineageNode[]> {
    const caused: LineageNode[] = [];
    for (const { record } of this.records.eventsWithDetailValue(event.id, DETAIL_MATCHES_PER_PAGE)) {
      if (record.traceHeader !== undefined || causationIdOf(record) !== event.id) continue;
      if (seen.has(eventKey(record))) continue;
      const node = await this.#event(record, depth, seen);
      caused.push({ ...node, attributes: { ...node.attributes, linkedBy: CAUSATION_LINK } });
    }
    return caused;
  }

  async #rule(event: BusEventRecord, match: RuleMatch, depth: number, seen: Set<string>): Promise<LineageNode> {
    const outcomes = match.targets.map((target) => target.outcome);
    const failed = match.targets.filter((target) => target.outcome !== 'delivered' && target.reason);
    const status = outcomes.every((outcome) => outcome === 'delivered')
      ? 'delivered'
      : (['dead-lettered', 'failed', 'pending'].find((outcome) => outcomes.includes(outcome as never)) ?? 'pending');
    const children =
      depth > 1 && match.ruleArn
        ? await this.#childrenOf(ruleMatchSegment(event.id, event.replayName, match.ruleArn), depth - 1, seen)
        : [];
    return {
      kind: 'rule',
      id: match.rule,
      label: `${match.rule} -> ${match.targets.map((target) => `${tryParseArn(target.arn)?.resource ?? target.arn} (${target.outcome})`).join(', ')}`,
      time: event.acceptedAt,
      status,
      ...(failed.length ? { reason: failed.map((target) => `${target.id}: ${target.reason}`).join('; ') } : {}),
      attributes: Object.fromEntries([
        ...(match.ruleArn ? [['ruleArn', match.ruleArn]] : []),
        ...match.targets.map((target) => [`target ${target.id}`, `${target.arn} ${target.outcome}`]),
      ]),
      children,
    };
  }

  /** `viaMessage`: the message this node was reached from (an invocation's flow control steps are that message's). */
  async #node(node: StoredNode, depth: number, seen: Set<string>, viaMessage?: string): Promise<LineageNode> {
    seen.add(key(node));
    const below = node.kind === 'message' ? node.id : undefined;
    const children = depth > 1 ? await this.#childrenOf(node.segment, depth - 1, seen, below) : [];
    const attributes = node.attributes ?? {};
    let logs: readonly string[] | undefined;
    const readLogs = node.kind === 'invocation' ? this.services.logs() : undefined;
    if (readLogs && attributes.logGroup && attributes.logStream) {
      logs = await readLogs({
        logGroup: attributes.logGroup,
        logStream: attributes.logStream,
        requestId: node.id,
        startedAt: Number(attributes.startedAt ?? node.time),
        ...(attributes.endedAt ? { endedAt: Number(attributes.endedAt) } : {}),
      });
    }
    const steps = depth > 1 && logs ? flowSteps(node, logs, viaMessage) : [];
    const { startedAt: _s, endedAt: _e, ...shown } = attributes;
    return {
      kind: node.kind,
      id: node.id,
      label: node.label,
      time: new Date(node.time).toISOString(),
      ...(node.status ? { status: node.status } : {}),
      ...(node.reason ? { reason: node.reason } : {}),
      ...(Object.keys(shown).length ? { attributes: shown } : {}),
      ...(logs?.length ? { logs } : {}),
      children: [...steps, ...children],
    };
  }

  /**
   * What hangs under a segment: the nodes recorded with it as parent and the events sent from
   * it, in time order; and what hangs under its inner segments (an execution's task calls are
   * made by its states' segments).
   */
  async #childrenOf(segment: string, depth: number, seen: Set<string>, viaMessage?: string): Promise<LineageNode[]> {
    const out: { at: number; node: LineageNode }[] = [];
    for (const from of [segment, ...this.records.innerSegments(segment)]) {
      for (const child of this.records.children(from)) {
        if (seen.has(key(child))) continue;
        out.push({ at: child.time, node: await this.#node(child, depth, seen, viaMessage) });
      }
      for (const event of this.records.eventsFromSegment(from)) {
        if (seen.has(eventKey(event))) continue;
        out.push({ at: Date.parse(event.acceptedAt), node: await this.#event(event, depth, seen) });
      }
      for (const node of this.services.from(from)) {
        if (seen.has(key(node))) continue;
        seen.add(key(node));
        out.push({ at: Date.parse(node.time), node });
      }
    }
    return out.sort((a, b) => a.at - b.at).map((entry) => entry.node);
  }
}

/**
 * What keyed flow control did with the records of an invocation (its consumer's log lines:
 * held back, superseded, a key paused), as steps under it; reached from a message, only
 * that message's. Switchyard's consumers log these (clients/flow-control.ts reads them).
 */
function flowSteps(invocation: StoredNode, logs: readonly string[], viaMessage: string | undefined): LineageNode[] {
  const steps: LineageNode[] = [];
  for (const line of logs) {
    const outcome = flowOutcomeOf(line);
    if (outcome === undefined || (viaMessage !== undefined && outcome.messageId !== undefined && outcome.messageId !== viaMessage))
      continue;
    const attributes: Record<string, string> = { key: outcome.key };
    if (outcome.messageId) attributes.messageId = outcome.messageId;
    if (outcome.reason) attributes.reason = outcome.reason;
    if (outcome.retryInSeconds !== undefined) attributes.retryInSeconds = String(outcome.retryInSeconds);
    if (outcome.supersededBy) attributes.supersededBy = outcome.supersededBy;
    if (outcome.pausedUntil) attributes.pausedUntil = outcome.pausedUntil;
    if (outcome.openUntil) attributes.openUntil = outcome.openUntil;
    steps.push({
      kind: 'flow-control',
      id: `${invocation.id}:${outcome.messageId ?? ''}:${steps.length}`,
      label: flowStepLabel(outcome),
      time: new Date(invocation.time).toISOString(),
      status: outcome.outcome === 'held-back' ? 'held back' : outcome.outcome,
      attributes,
      children: [],
    });
  }
  return steps;
}

const HELD_BACK_BECAUSE: Record<string, string> = {
  concurrency: 'at its concurrency limit',
  rate: 'at its rate limit',
  debounce: 'debouncing (it runs if no later record arrives)',
  paused: 'paused after a throttling answer',
  'circuit-open': 'its circuit open: its provider kept failing',
  priority: 'a lower priority lane at its guaranteed share while a higher lane has a backlog',
};

function flowStepLabel(outcome: FlowOutcome): string {
  const key = JSON.stringify(outcome.key);
  if (outcome.outcome === 'superseded') return `superseded: a later record of key ${key} runs instead (debounce)`;
  if (outcome.outcome === 'paused') return `key ${key} paused for every record until ${outcome.pausedUntil ?? '?'} (a throttling answer)`;
  if (outcome.outcome === 'circuit-opened')
    return `key ${key}: its circuit opened for every record until ${outcome.openUntil ?? '?'} (its provider kept failing)`;
  if (outcome.outcome === 'circuit-closed') return `key ${key}: its circuit closed (the half-open probe succeeded)`;
  const why = HELD_BACK_BECAUSE[outcome.reason ?? ''] ?? 'at a limit';
  const back = outcome.retryInSeconds === undefined ? '' : `; back in ${outcome.retryInSeconds} s`;
  return `held back: key ${key} ${why}${back}`;
}

/** How a node placed by its cause's id (not by a trace header) says so: `attributes.linkedBy`. */
export const CAUSATION_LINK = 'detail.metadata.causationId (it came with no trace header)';

function causationIdOf(event: BusEventRecord): string | undefined {
  const metadata = (event.detail as { metadata?: { causationId?: unknown } } | null)?.metadata;
  return typeof metadata?.causationId === 'string' ? metadata.causationId : undefined;
}

function key(node: Pick<StoredNode, 'kind' | 'id'>): string {
  return `${node.kind}:${node.id}`;
}

/** An event's record: an event a rule forwarded to another bus keeps its id there, and hangs under that rule. */
function eventKey(event: BusEventRecord): string {
  return `event:${event.bus}:${event.id}:${event.replayName ?? ''}`;
}
