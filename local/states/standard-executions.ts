import { FORK_INPUT_KEY, forkOfInput } from '../../contracts/fork.js';
import { withTraceHeader } from '../endpoint/trace-header.js';
import type { DefinitionCompiler } from './definition-compiler.js';
import type { ForkStartOptions } from './engine/execution-types.js';
import { type HistoryEvent, type MapRunReport, resumeExecution, startExecution } from './engine/index.js';
import type { ExecutionRecord, ExecutionStore } from './execution-store.js';
import { engineView } from './history-views.js';
import { type ExecutionRunners, engineOptionsOf, type LiveExecutions } from './live-executions.js';
import { executionTraceHeader } from './names.js';
import type { StatusChangeEvents } from './status-change-events.js';

/** Where the engine begins a fork of a machine without a fork entry: the state and what its input's fork holds. */
function forkStartOf(record: ExecutionRecord): ForkStartOptions | undefined {
  if (record.forkStart === undefined) return undefined;
  const fork = forkOfInput(record.input);
  if (!fork) throw new Error(`The fork ${record.arn} has lost its input's ${FORK_INPUT_KEY}`);
  return { startAt: record.forkStart, input: fork.input, variables: fork.variables };
}

/**
 * STANDARD executions, durable in SQLite: every history event is committed in the turn of
 * the event loop it is emitted in, and before the engine acts on anything outside (a task)
 * or ends; what was running before a restart runs on from where its history ends.
 */
export class StandardExecutions {
  constructor(
    private readonly deps: ExecutionRunners & {
      readonly store: ExecutionStore;
      readonly compiler: DefinitionCompiler;
      readonly live: LiveExecutions;
      readonly status: StatusChangeEvents;
      readonly log?: (line: string) => void;
      /** The execution's CloudWatch Logs sink, when its machine logs. */
      readonly logSink?: (record: ExecutionRecord) => ((event: HistoryEvent) => void) | undefined;
      /** Hears the Map Runs of its distributed Maps (map-runs.ts). */
      readonly onMapRun?: (run: MapRunReport) => void;
    },
  ) {}

  /** Resumes every execution that was running when the process stopped. */
  async resumeRunning(): Promise<void> {
    const { store, live } = this.deps;
    for (const record of store.runningExecutions()) {
      if (live.has(record.arn)) continue;
      try {
        await this.launch(record, store.history(record.arn));
      } catch (error) {
        this.failDormant(record, error);
      }
    }
  }

  /**
   * Runs an execution: from the start (queued with `store.queueExecution`), or on from its
   * persisted history. Events are committed in groups, before every task and at the end;
   * the first one (with a new execution's row) before this returns, and this rejects if
   * that commit fails.
   */
  async launch(record: ExecutionRecord, history: HistoryEvent[] = []): Promise<void> {
    const { store, live, status } = this.deps;
    const machine = this.deps.compiler.compile(record.definition, 'STANDARD');
    let started: () => void = () => {};
    let notStored: (error: unknown) => void = () => {};
    const startedEvent = new Promise<void>((resolve, reject) => {
      started = resolve;
      notStored = reject;
    });
    const logSink = this.deps.logSink?.(record);
    const sink = (event: HistoryEvent) => {
      if (live.closed) return;
      logSink?.(event);
      // Group commit: the engine awaits flushHistory before every task and at the end,
      // so side effects and outcomes are never ahead of the stored history.
      store.queueEvent(record.arn, event);
      if (event.type === 'ExecutionStarted') {
        // A new execution's row is in the same commit (queueExecution): if it fails, the start does.
        store.committed().then(() => {
          status.publish(record);
          started();
        }, notStored);
      }
    };
    const options = {
      ...engineOptionsOf(record, machine, this.deps),
      fork: forkStartOf(record),
      redriveCount: record.redriveCount,
      onHistoryEvent: sink,
      flushHistory: () => store.committed(),
      onMapRun: this.deps.onMapRun,
    };
    const resuming = history.some((e) => e.type === 'ExecutionStarted');
    // Tasks run in the execution's trace, with the execution as their parent (lambda invocations, messages, events).
    const handle = withTraceHeader(executionTraceHeader(record), () =>
      resuming
        ? resumeExecution(engineView(history), options)
        : startExecution({ ...options, input: record.input, startTime: record.startDate }),
    );
    if (resuming) started();
    // An execution that ends before its first event is stored (the service is closing) must not hang the caller.
    handle.result.then(started, started);
    live.track(record.arn, handle, 'STANDARD', () => store.ended(record));
    await startedEvent;
  }

  /** Records the end of an execution that cannot run (its definition no longer compiles). */
  failDormant(record: ExecutionRecord, error: unknown): void {
    this.deps.log?.(`execution ${record.arn} cannot run: ${(error as Error).message ?? String(error)}`);
    this.#endDormant(record, 'ExecutionFailed', 'executionFailedEventDetails', {
      error: 'States.Runtime',
      cause: (error as Error).message ?? String(error),
    });
  }

  /** StopExecution of a RUNNING execution no engine runs here (its history could not be written). */
  abortDormant(record: ExecutionRecord, error: string | undefined, cause: string | undefined): void {
    const details: Record<string, unknown> = {};
    if (error !== undefined) details.error = error;
    if (cause !== undefined) details.cause = cause;
    this.#endDormant(record, 'ExecutionAborted', 'executionAbortedEventDetails', details);
  }

  #endDormant(record: ExecutionRecord, type: string, key: string, details: Record<string, unknown>): void {
    const { store, clock } = this.deps;
    const last = store.lastEventId(record.arn);
    // An abort follows StopExecution, not an event (as the engine's ExecutionAborted).
    const previousEventId = type === 'ExecutionAborted' ? 0 : last;
    store.appendEvent(record.arn, { id: last + 1, previousEventId, timestamp: clock.now(), type, [key]: details });
    const done = store.execution(record.arn);
    if (done) this.deps.status.publish(done);
  }
}
