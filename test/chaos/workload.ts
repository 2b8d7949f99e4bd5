import {
  ApprovalRequested,
  JOB_STAGE_EFFECTS,
  JOB_STAGES,
  JobApproved,
  JobRequested,
  OrderCompleted,
  OrderFailed,
  OrderPlaced,
  Published,
  ResearchCompleted,
  ResearchRequested,
  ResearchStopped,
  TicketCreated,
  TicketEscalated,
  TicketRouted,
} from '../../domain/index.js';
import type { Random } from '../helpers/random.js';

export type FlowName = 'pipeline' | 'saga' | 'research' | 'triage';
export const FLOWS: readonly FlowName[] = ['pipeline', 'saga', 'research', 'triage'];

/** What identifies an item in each flow's events and ledger. */
export const KEY_FIELD: Record<FlowName, string> = { pipeline: 'jobId', saga: 'orderId', research: 'requestId', triage: 'ticketId' };

/**
 * The completion events the observer counts, per flow: each may be sent at most once per
 * item (ApprovalRequested too: a second one would ask a person twice).
 */
export const COMPLETION_EVENTS: Record<FlowName, readonly string[]> = {
  pipeline: [ApprovalRequested.detailType, Published.detailType],
  saga: [OrderCompleted.detailType, OrderFailed.detailType],
  research: [ResearchCompleted.detailType, ResearchStopped.detailType],
  triage: [TicketRouted.detailType, TicketEscalated.detailType],
};

/** Which flow an observed detail-type belongs to. */
export const FLOW_OF_EVENT: ReadonlyMap<string, FlowName> = new Map(
  FLOWS.flatMap((flow) => COMPLETION_EVENTS[flow].map((type) => [type, flow] as const)),
);

export interface EntryEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
}

/** One business item of one flow, what is sent for it, and what finishing it means. */
export interface Item {
  readonly flow: FlowName;
  readonly id: string;
  /** Passes EventBridge's rule but breaks its contract: the consumer must dead-letter it with InvalidEvent. */
  readonly poison: boolean;
  readonly entry: EntryEvent;
  /** Copies of the entry event sent during the run (each a PutEvents of its own, so each its own event id). */
  readonly copies: number;
  /** Send the copies side by side (true) or spread over a few seconds. */
  readonly concurrentCopies: boolean;
  /** The one terminal event it must end with (for poison: once fixed and redriven). */
  readonly terminal: string;
  /** Ledger effects that must each be applied exactly once (pipeline and saga); none for research and triage. */
  readonly effects: readonly string[];
  /** Dead-letter messages a poison item must leave, one per consumer that validates its event. */
  readonly deadLetters: number;
  /** The repair an operator makes to the dead-lettered detail before sending it back. */
  readonly fix?: (detail: Record<string, unknown>) => Record<string, unknown>;
  /** Pipeline: JobApproved copies to send once ApprovalRequested is seen, and how long after. */
  readonly approvals?: { readonly copies: number; readonly delayMs: number };
}

export interface WorkloadOptions {
  /** Items per flow. */
  readonly n: number;
  /** Prefix of every id, so a run's items are its own. */
  readonly prefix: string;
}

/**
 * The few SKUs every order draws from: many orders reserve and release one SKU's stock, so
 * the inventory step's transactions contend for its counter (test/chaos/README.md).
 */
export const SKUS: readonly string[] = ['SKU-TEAPOT', 'SKU-KETTLE', 'SKU-MUG'];

/** How many of a flow's n items are poison: about one in ten, at least one. */
export function poisonCount(n: number): number {
  return Math.max(1, Math.round(n / 10));
}

/** The run's items, every flow, drawn from `random`. */
export function generateWorkload(random: Random, options: WorkloadOptions): Item[] {
  const items: Item[] = [];
  const poison = poisonCount(options.n);
  for (const flow of FLOWS) {
    for (let i = 0; i < options.n; i++) {
      const id = `${options.prefix}-${flow.slice(0, 2).toUpperCase()}-${String(i).padStart(4, '0')}`;
      items.push(GENERATORS[flow](random, id, i < poison));
    }
  }
  return items;
}

function copies(random: Random): { copies: number; concurrentCopies: boolean } {
  // Most items are sent twice or three times, as a retrying producer would; a third side by side.
  return { copies: random.pick([1, 2, 2, 3]), concurrentCopies: random.chance(0.35) };
}

/**
 * An item of `flow` entering as `contract`'s event of `detail`: poison is sent once, the others as
 * often as `copies` draws; `finish` says how it ends.
 */
function itemOf(
  flow: FlowName,
  contract: { readonly source: string; readonly detailType: string },
  random: Random,
  item: { id: string; poison: boolean; detail: Record<string, unknown> },
  finish: Pick<Item, 'terminal' | 'effects' | 'deadLetters' | 'fix'>,
): Item {
  return {
    flow,
    id: item.id,
    poison: item.poison,
    entry: { source: contract.source, detailType: contract.detailType, detail: item.detail },
    ...(item.poison ? { copies: 1, concurrentCopies: false } : copies(random)),
    ...finish,
  };
}

const GENERATORS: Record<FlowName, (random: Random, id: string, poison: boolean) => Item> = {
  pipeline: (random, jobId, poison) => {
    const simulate: Record<string, unknown>[] = [];
    const failing = random.chance(0.3) ? random.pick(JOB_STAGES) : undefined;
    for (const stage of JOB_STAGES) {
      const delayMs = random.chance(0.4) ? random.int(10, 400) : undefined;
      if (stage !== failing && delayMs === undefined) continue;
      simulate.push({ stage, ...(stage === failing ? { failure: 'transient', times: 1 } : {}), ...(delayMs ? { delayMs } : {}) });
    }
    const detail: Record<string, unknown> = {
      jobId,
      title: `Chaos ${jobId}`,
      brief: 'The pour, the lid, the steam and the price, in thirty seconds.',
      ...(simulate.length > 0 ? { simulate } : {}),
    };
    // A producer that forgot the brief: EventBridge matches it, the script stage and the projector refuse it.
    if (poison) delete detail.brief;
    const item = itemOf(
      'pipeline',
      JobRequested,
      random,
      { id: jobId, poison, detail },
      {
        terminal: Published.detailType,
        effects: JOB_STAGES.map((stage) => JOB_STAGE_EFFECTS[stage]),
        deadLetters: 2,
        fix: (d) => ({ ...d, brief: 'Fixed by the operator: the brief the producer forgot.' }),
      },
    );
    // Drawn after the copies, as before: a seed draws the same run.
    // Twins side by side are what raced in the held-out run; some approvals come late.
    return {
      ...item,
      approvals: { copies: random.pick([2, 2, 3]), delayMs: random.chance(0.25) ? random.int(3000, 12_000) : random.int(0, 500) },
    };
  },
  saga: (random, orderId, poison) => {
    const outcome = random.pick(['ok', 'ok', 'transient', 'declined', 'rejected'] as const);
    const simulate =
      outcome === 'transient'
        ? [{ step: random.pick(['inventory', 'payment', 'shipment']), failure: 'transient', times: 1 }]
        : outcome === 'declined'
          ? [{ step: 'payment', failure: 'business' }]
          : outcome === 'rejected'
            ? [{ step: 'shipment', failure: 'business' }]
            : undefined;
    const detail: Record<string, unknown> = {
      orderId,
      customerId: 'C-CHAOS',
      sku: random.pick(SKUS),
      quantity: random.int(1, 5),
      amount: 4200,
      // A producer that sends the currency's name: the pattern ^[a-z]{3}$ refuses it.
      currency: poison ? 'EURO' : 'eur',
      ...(simulate ? { simulate } : {}),
    };
    const effects =
      outcome === 'declined'
        ? ['reserve', 'release']
        : outcome === 'rejected'
          ? ['reserve', 'charge', 'refund', 'release']
          : ['reserve', 'charge', 'ship'];
    return itemOf(
      'saga',
      OrderPlaced,
      random,
      { id: orderId, poison, detail },
      {
        terminal: outcome === 'declined' || outcome === 'rejected' ? OrderFailed.detailType : OrderCompleted.detailType,
        effects,
        deadLetters: 1,
        fix: (d) => ({ ...d, currency: 'eur' }),
      },
    );
  },
  research: (random, requestId, poison) => {
    const outcome = random.pick(['ok', 'ok', 'transient', 'stopped'] as const);
    const simulate =
      outcome === 'transient'
        ? [{ subTask: random.pick(['t1', 't2', 'summary']), failure: 'transient', times: 1 }]
        : outcome === 'stopped'
          ? [
              { subTask: 't1', failure: 'permanent' },
              { subTask: 'summary', failure: 'permanent' },
            ]
          : undefined;
    const detail: Record<string, unknown> = {
      requestId,
      question: 'Which heat pumps suit old houses?',
      // A request with no topics: the contract asks for at least one.
      topics: poison ? [] : ['insulation', 'radiator sizing', 'running costs'],
      ...(simulate ? { simulate } : {}),
    };
    return itemOf(
      'research',
      ResearchRequested,
      random,
      { id: requestId, poison, detail },
      {
        terminal: outcome === 'stopped' ? ResearchStopped.detailType : ResearchCompleted.detailType,
        effects: [],
        deadLetters: 1,
        fix: (d) => ({ ...d, topics: ['insulation'] }),
      },
    );
  },
  // Triage has no `simulate` (yet): duplicates, poison and the kills only.
  triage: (random, ticketId, poison) => {
    const detail: Record<string, unknown> = {
      ticketId,
      customerId: 'C-CHAOS',
      subject: 'Charged twice',
      body: 'My card was charged twice for the May invoice. Please refund one of the charges.',
    };
    // A helpdesk webhook that dropped the body.
    if (poison) delete detail.body;
    return itemOf(
      'triage',
      TicketCreated,
      random,
      { id: ticketId, poison, detail },
      {
        terminal: TicketRouted.detailType,
        effects: [],
        deadLetters: 1,
        fix: (d) => ({ ...d, body: 'My card was charged twice for the May invoice. Please refund one of the charges.' }),
      },
    );
  },
};

/** JobApproved for a job, as a person's tool sends it. */
export function approval(jobId: string): EntryEvent {
  return { source: JobApproved.source, detailType: JobApproved.detailType, detail: { jobId, approvedBy: 'chaos' } };
}
