import type { Usage } from '../../clients/pricing/price-arithmetic.js';

// The estimate's inputs and result, apart from the walk that computes it (usage-walk.ts
// needs them and is imported by usage.ts).

/** What the estimate takes as given; each is printed with the estimate. */
export interface CostAssumptions {
  readonly eventsPerMonth: number;
  /** Share of executions that take an escalating branch (a task token or a started workflow). */
  readonly escalationRate: number;
  /** Billed duration of one Lambda invocation, besides any Express execution it waits for. */
  readonly functionMs: number;
  /** Duration of a non-Lambda task (PutEvents, StartExecution, DynamoDB) inside an Express execution. */
  readonly serviceTaskMs: number;
  /** Messages per Lambda batch from SQS: 1 is the worst case (traffic that trickles in). */
  readonly messagesPerBatch: number;
  /** Log bytes per Lambda invocation (START, END, REPORT and a few structured lines). */
  readonly lambdaLogBytes: number;
  /** Log bytes per execution history event in a state machine's log group (level ALL, no execution data). */
  readonly stateLogBytes: number;
  /** DynamoDB writes per record a function with a table handles: Powertools idempotency claims, then completes. */
  readonly writesPerRecord: number;
  /** ReceiveMessage calls an idle SQS event source mapping makes a month: 5 pollers, a 20 s long poll each. */
  readonly idleReceivesPerMapping: number;
  /** Items each Map state iterates over (inline or distributed): its iteration's states count this many times. */
  readonly itemsPerMap: number;
  /**
   * Durable operations (steps, waits, callbacks, child contexts, invokes) one Lambda durable
   * execution checkpoints: code, unlike ASL, cannot be read from the template.
   */
  readonly durableOperations: number;
  /** Model calls a function that calls a Bedrock model makes per record (a tool-use loop makes several). */
  readonly modelCallsPerRecord: number;
  /** Prompt tokens of one model call (system prompt, tools and messages). */
  readonly inputTokensPerCall: number;
  /** Tokens one model call generates. */
  readonly outputTokensPerCall: number;
  /** On-demand calls, or batch inference (half price, answers within a day). */
  readonly modelTier: 'on-demand' | 'batch';
  /** The model families the price table prices at `modelTier` (bedrock.<family>.input, or .batchInput), longest first. */
  readonly modelFamilies?: readonly string[];
  /** The entry events to follow, each at `eventsPerMonth`; every entry event of the app when absent. */
  readonly entries?: readonly string[];
}

export const DEFAULT_ASSUMPTIONS: CostAssumptions = {
  eventsPerMonth: 1_000_000,
  escalationRate: 0.2,
  functionMs: 100,
  serviceTaskMs: 50,
  messagesPerBatch: 1,
  lambdaLogBytes: 1000,
  stateLogBytes: 400,
  writesPerRecord: 2,
  idleReceivesPerMapping: 5 * 3 * 60 * 24 * 30,
  itemsPerMap: 3,
  // The reference app's durable order saga on its usual path: three steps and the closing event's.
  durableOperations: 4,
  modelCallsPerRecord: 1,
  inputTokensPerCall: 1000,
  outputTokensPerCall: 300,
  modelTier: 'on-demand',
};

export interface AppUsage {
  readonly usage: Usage[];
  /** The app's entry events: detail-types rules listen for that nothing in the app emits. */
  readonly entries: readonly string[];
  /** Standard workflows started for every entry event (no Choice between the event and them). */
  readonly hotStandard: readonly { flow: string; executions: number; transitionsEach: number }[];
  readonly notModelled: readonly string[];
  /**
   * Functions that may put events on a bus from their own code but declare none
   * (`ENV.emittedEvents`, which EventHub.connectPublisher sets): an entry event may be one of theirs.
   */
  readonly undeclaredPublishers: readonly { readonly function: string; readonly bus: string }[];
}
