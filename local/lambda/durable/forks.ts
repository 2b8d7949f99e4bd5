/**
 * Forks of durable executions (contracts/durable-fork.ts), for any durable function: a new
 * execution of the parent's function version whose checkpoint starts with the parent's
 * operations before the step it begins at (steps with their results, waits as done, callbacks
 * as answered, child contexts with their children), so the durable execution SDK replays them
 * without running them, and runs for real from that step on. The handler's event is the
 * parent's, or the edit of it the fork asks for. The name derives from the parent and the
 * edit: the same fork asked twice answers the execution the first one started.
 */

import type { ForkAnswer, ForkRequest } from '../../../clients/read-api-contract.js';
import { planDurableFork } from '../../../contracts/durable-fork.js';
import { ForkNotPossible } from '../../../contracts/fork.js';
import type { DurableExecutions } from './durable-executions.js';
import type { OperationRecord } from './durable-types.js';

/** Starts the fork `request` asks for (or answers the one started before); ForkNotPossible names what a fork can begin at. */
export function forkDurableExecution(executions: DurableExecutions, request: ForkRequest): ForkAnswer {
  const parent = executions.execution(request.executionArn);
  const records = executions.store.operations(parent.arn);
  const planned = planDurableFork(
    parent,
    records.map((r) => r.op),
    request,
  );
  const fn = executions.functionRuntime(parent.functionName);
  if (fn === undefined) throw new ForkNotPossible(`Cannot fork ${parent.arn}: its function ${parent.functionName} is no longer in the app`);
  const copied = new Set(planned.copied.map((op) => op.Id));
  const operations = records.filter((r) => copied.has(r.op.Id)).map((r) => replayable(r, () => executions.newCallbackId()));
  const { arn, existing } = executions.startExecution(
    fn,
    { arn: fn.definition.arn, version: parent.version },
    planned.input,
    planned.name,
    undefined,
    {
      of: { parent: parent.arn, from: planned.fork.from, effects: planned.fork.effects },
      operations,
    },
  );
  const answer = { executionArn: arn, name: planned.name, parent: parent.arn, from: planned.fork.from, entry: false };
  // The same fork asked again: that execution, nothing started now.
  return existing === true ? { ...answer, existing: true } : answer;
}

/**
 * A parent's ended operation as the fork keeps it: its outcome, without the deadlines of a
 * callback. A callback gets an id of its own, so that its id names one operation (the
 * parent's) and an answer sent to it is answered as the parent's.
 */
function replayable(record: OperationRecord, newCallbackId: () => string): OperationRecord {
  const { op } = record;
  if (op.Type !== 'CALLBACK') return { op };
  return { op: { ...op, CallbackDetails: { ...op.CallbackDetails, CallbackId: newCallbackId() } } };
}
