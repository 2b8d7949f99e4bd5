import { createHash, randomUUID } from 'node:crypto';
import { AwsError } from '../../endpoint/aws-error.js';
import { jsonOrText } from '../../json/json-depth.js';
import type { ResolvedFunction } from '../core/function-reference.js';
import type { FunctionRuntime, InvokeOutcome, LogSink } from '../runtime/function-runtime.js';
import { type DurableExecutions, durableSettings } from './durable-executions.js';
import { outcomeOf, startDurable } from './durable-invoke.js';
import type { ErrorObject } from './durable-types.js';
import { type ChainedTarget, completeChainedInvoke } from './operations.js';

/** A chained invoke to run: its function and input, and the durable execution its start began, if it did. */
export interface ChainedInvoke {
  readonly functionName: string;
  readonly payload: string;
  readonly DurableExecutionArn?: string;
}

export interface ChainedInvokesOptions {
  /** The function and version a name or ARN stands for, as Invoke resolves it (throws as Invoke would). */
  readonly resolve: (functionName: string) => ResolvedFunction<FunctionRuntime>;
  /** Invokes a function that is not durable and waits for its answer. */
  readonly invoke: (functionName: string, payload: unknown) => Promise<InvokeOutcome>;
  readonly log: LogSink;
}

/**
 * The chained invokes of durable executions (`context.invoke`): a function that is not
 * durable is invoked and its answer completes the operation; a durable function's execution
 * starts in the checkpoint that starts the operation, so that the parent's history names it
 * (ChainedInvokeStartedDetails.DurableExecutionArn, as AWS's samples read it), and its
 * outcome completes the operation.
 */
export class ChainedInvokes {
  /** Chained invokes running now, by execution and operation: one restarted after a crash is not started twice. */
  readonly #running = new Set<string>();

  constructor(
    private readonly executions: DurableExecutions,
    private readonly options: ChainedInvokesOptions,
  ) {}

  /**
   * Resolves the function a chained invoke names, as the invoke starts: the version that runs
   * and, for a durable function, its execution, started now under a name made of the
   * operation's (a checkpoint sent again finds the same one). A function that cannot be
   * invoked so gives only what was resolved: its invoke then fails with Invoke's error, as a
   * ChainedInvokeFailed.
   */
  target(parentArn: string, opId: string, functionName: string, payload: string): ChainedTarget {
    let resolved: ResolvedFunction<FunctionRuntime>;
    try {
      resolved = this.options.resolve(functionName);
    } catch (error) {
      if (error instanceof AwsError) return {};
      throw error;
    }
    if (!durableSettings(resolved.fn.definition) || resolved.qualifier === undefined) return { ExecutedVersion: resolved.version };
    const traceHeader = this.executions.store.get(parentArn)?.traceHeader;
    const { arn } = startDurable(this.executions, resolved, JSON.stringify(jsonOrText(payload)), {
      asynchronous: false,
      name: chainedExecutionName(parentArn, opId),
      ...(traceHeader ? { traceHeader } : {}),
    });
    return { ExecutedVersion: resolved.version, DurableExecutionArn: arn };
  }

  /** Runs a chained invoke: the function's answer, or the outcome of its durable execution, completes the operation. */
  run(arn: string, opId: string, invoke: ChainedInvoke): void {
    const key = `${arn}\u0000${opId}`;
    if (this.#running.has(key)) return;
    this.#running.add(key);
    const { functionName, DurableExecutionArn: child } = invoke;
    const answered =
      child === undefined
        ? this.options.invoke(functionName, jsonOrText(invoke.payload))
        : this.executions.ended(child).then((execution) => outcomeOf(execution, randomUUID()));
    void answered
      .then(
        (outcome) =>
          outcome.ok
            ? { result: outcome.payload }
            : { error: { ErrorType: outcome.error.errorType, ErrorMessage: outcome.error.errorMessage } as ErrorObject },
        (error: unknown) => ({
          error: { ErrorType: (error as AwsError).code ?? (error as Error).name, ErrorMessage: (error as Error).message } as ErrorObject,
        }),
      )
      .then((outcome) => {
        this.#running.delete(key);
        if (!this.executions.running) return;
        const { store } = this.executions;
        const record = store.operation(arn, opId);
        if (record?.op.Status !== 'STARTED' || store.get(arn)?.status !== 'RUNNING') return;
        const applied = completeChainedInvoke(record, this.executions.clock.now(), outcome);
        store.transaction(() => {
          store.putOperation(arn, applied.record);
          for (const event of applied.events) store.addEvent(arn, event);
        });
        this.executions.changedOutside(arn, [opId]);
      })
      .catch((error: unknown) => this.options.log(functionName, `chained invoke from ${arn}: ${(error as Error).stack ?? String(error)}`));
  }

  /**
   * After a restart: the chained invokes of the execution that were running run again (a
   * function that is not durable is invoked at least once; a durable one's execution was
   * started once, and is waited for).
   */
  resume(arn: string): void {
    const { store } = this.executions;
    for (const { op } of store.operations(arn)) {
      if (op.Type !== 'CHAINED_INVOKE' || op.Status !== 'STARTED') continue;
      const started = store.events(arn).find((e) => e.Id === op.Id && e.EventType === 'ChainedInvokeStarted');
      const details = started?.ChainedInvokeStartedDetails as
        | { FunctionName?: string; Input?: { Payload?: string }; DurableExecutionArn?: string }
        | undefined;
      if (!details?.FunctionName) continue;
      this.run(arn, op.Id, {
        functionName: details.FunctionName,
        payload: details.Input?.Payload || '{}',
        ...(details.DurableExecutionArn ? { DurableExecutionArn: details.DurableExecutionArn } : {}),
      });
    }
  }
}

/**
 * The name of the durable execution a chained invoke starts: one per parent execution and
 * operation, in Lambda's name pattern (`[a-zA-Z0-9_-]{1,64}`).
 */
function chainedExecutionName(parentArn: string, opId: string): string {
  return createHash('sha256').update(`${parentArn}\u0000${opId}`).digest('hex');
}
