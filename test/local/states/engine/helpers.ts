import { type HistoryEvent, type Sleep, startExecution, TaskFailure, type TaskRequest } from '../../../../local/states/engine/index.js';
import { ManualClock } from '../../../../local/time/clock.js';

export const ARNS = {
  executionArn: 'arn:aws:states:us-east-1:111111111111:execution:Machine:run-1',
  stateMachineArn: 'arn:aws:states:us-east-1:111111111111:stateMachine:Machine',
  stateMachineName: 'Machine',
  name: 'run-1',
  roleArn: 'arn:aws:iam::111111111111:role/sfn',
};

/** A clock whose sleeps advance it instantly, recording each wait. */
export function fakeTime(start = Date.UTC(2026, 0, 1)) {
  const clock = new ManualClock(start);
  const waits: number[] = [];
  const sleep: Sleep = async (ms, signal) => {
    signal.throwIfAborted();
    waits.push(ms);
    clock.advance(ms);
  };
  return { clock, waits, sleep };
}

/** A TaskRunner answering from a table of handlers by resource, counting calls. */
export function stubRunner(handlers: Record<string, (req: TaskRequest) => unknown>) {
  const calls: TaskRequest[] = [];
  return {
    calls,
    run: async (req: TaskRequest) => {
      calls.push(req);
      const h = handlers[req.resource];
      if (!h) throw new TaskFailure('NoHandler', req.resource);
      return h(req);
    },
  };
}

export async function run(definition: unknown, input: unknown = {}, extra: Partial<Parameters<typeof startExecution>[0]> = {}) {
  const time = fakeTime();
  const events: HistoryEvent[] = [];
  const handle = startExecution({
    ...ARNS,
    definition: JSON.stringify(definition),
    input: JSON.stringify(input),
    clock: time.clock,
    sleep: time.sleep,
    onHistoryEvent: (e) => {
      events.push(e);
    },
    ...extra,
  });
  const result = await handle.result;
  return { result, events, output: result.output === undefined ? undefined : JSON.parse(result.output), waits: time.waits, handle };
}

export const types = (events: readonly HistoryEvent[]) => events.map((e) => e.type);

/** The history of a Task state whose first try succeeds, event types in order. */
export const TASK_SUCCEEDED_HISTORY = ['TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSucceeded', 'TaskStateExited'];
