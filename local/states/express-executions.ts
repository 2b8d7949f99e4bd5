import type { LocalExecutionStatus } from '../../clients/execution-statuses.js';
import { withTraceHeader } from '../endpoint/trace-header.js';
import { type ExecutionResult, type HistorySink, type Machine, startExecution } from './engine/index.js';
import type { ExecutionRecord } from './execution-store.js';
import { type ExecutionRunners, engineOptionsOf, type LiveExecution, type LiveExecutions } from './live-executions.js';
import { executionTraceHeader, seconds } from './names.js';

/** Express summaries kept for DescribeExecution; the oldest finished ones go first. */
const EXPRESS_SUMMARIES = 10_000;

/**
 * EXPRESS executions, in memory as AWS documents them (at least once, not durable): no
 * history, and only a bounded number of summaries for DescribeExecution.
 */
export class ExpressExecutions {
  readonly #summaries = new Map<string, ExecutionRecord>();

  constructor(
    private readonly deps: ExecutionRunners & {
      readonly live: LiveExecutions;
      /** The execution's CloudWatch Logs sink, when its machine logs. */
      readonly logSink?: (record: ExecutionRecord) => HistorySink | undefined;
    },
  ) {}

  get(arn: string): ExecutionRecord | undefined {
    return this.#summaries.get(arn);
  }

  /** The summaries kept, oldest first (the local console and CLI list them; AWS keeps none). */
  list(): ExecutionRecord[] {
    return [...this.#summaries.values()];
  }

  /** Starts an execution; `sync` for StartSyncExecution's, whose context object AWS gives no `RedriveCount`. */
  launch(record: ExecutionRecord, machine: Machine, sync = false): LiveExecution {
    const { clock } = this.deps;
    this.#summaries.set(record.arn, record);
    this.#trim();
    // Tasks run in the execution's trace, with the execution as their parent.
    const handle = withTraceHeader(executionTraceHeader(record), () =>
      startExecution({
        ...engineOptionsOf(record, machine, this.deps),
        input: record.input,
        startTime: record.startDate,
        noRedriveCount: sync,
        onHistoryEvent: this.deps.logSink?.(record),
      }),
    );
    return this.deps.live.track(
      record.arn,
      handle,
      'EXPRESS',
      () => this.#summaries.get(record.arn),
      (result) => {
        this.#summaries.set(record.arn, { ...record, ...finalFields(result), stopDate: clock.now() });
      },
    );
  }

  /** StartSyncExecution: runs the execution to its end and answers with its outcome. */
  async runSync(record: ExecutionRecord, machine: Machine) {
    const { clock } = this.deps;
    const live = this.launch(record, machine, true);
    await live.ended;
    const done = this.#summaries.get(record.arn) ?? record;
    const duration = (done.stopDate ?? clock.now()) - done.startDate;
    return {
      executionArn: done.arn,
      stateMachineArn: done.stateMachineArn,
      name: done.name,
      startDate: seconds(done.startDate),
      stopDate: seconds(done.stopDate ?? clock.now()),
      status: done.status,
      error: done.error,
      cause: done.cause,
      input: done.input,
      inputDetails: { included: true },
      output: done.output,
      // AWS answers it for a failed execution too, which has no output.
      outputDetails: { included: true },
      traceHeader: done.traceHeader,
      billingDetails: { billedMemoryUsedInMB: 64, billedDurationInMilliseconds: Math.max(100, Math.ceil(duration / 100) * 100) },
    };
  }

  #trim(): void {
    // In bulk: a Map iterated from the front walks over the slots of earlier deletions,
    // so trimming one entry per execution made every start slower.
    if (this.#summaries.size <= EXPRESS_SUMMARIES + EXPRESS_SUMMARIES / 10) return;
    for (const [arn, record] of this.#summaries) {
      if (this.#summaries.size <= EXPRESS_SUMMARIES) return;
      if (record.status !== 'RUNNING') this.#summaries.delete(arn);
    }
  }
}

function finalFields(result: ExecutionResult): Pick<ExecutionRecord, 'status' | 'output' | 'error' | 'cause'> {
  return { status: result.status as LocalExecutionStatus, output: result.output, error: result.error, cause: result.cause };
}
