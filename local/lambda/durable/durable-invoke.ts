import { randomUUID } from 'node:crypto';
import { AwsError } from '../../endpoint/aws-error.js';
import { currentTraceHeader } from '../../endpoint/trace-header.js';
import type { ResolvedFunction } from '../core/function-reference.js';
import type { FunctionRuntime, InvokeOutcome } from '../runtime/function-runtime.js';
import type { DurableExecutions } from './durable-executions.js';
import type { ExecutionRecord } from './durable-types.js';

/** Lambda's limit on an asynchronous invocation's payload for a durable function (the execution's input). */
const MAX_DURABLE_ASYNC_INPUT_BYTES = 262_144;

/**
 * How every invocation of a durable function starts its execution, whatever invokes it
 * (Invoke, an event source, an EventBridge target, Step Functions): Lambda requires a
 * qualified ARN (a version, an alias or `$LATEST`), and the execution name, when given,
 * makes the start idempotent.
 */
export function startDurable(
  executions: DurableExecutions,
  resolved: ResolvedFunction<FunctionRuntime>,
  input: string,
  options: { readonly name?: string; readonly asynchronous: boolean; readonly traceHeader?: string },
): { arn: string; existing: boolean } {
  if (resolved.qualifier === undefined) {
    throw new AwsError(
      'InvalidParameterValueException',
      `You cannot invoke a durable function using an unqualified ARN: invoke ${resolved.arn} with a version, an alias or $LATEST (${resolved.arn}:$LATEST).`,
    );
  }
  if (options.asynchronous && Buffer.byteLength(input) > MAX_DURABLE_ASYNC_INPUT_BYTES) {
    throw new AwsError(
      'RequestTooLargeException',
      `Request must be smaller than ${MAX_DURABLE_ASYNC_INPUT_BYTES} bytes for an asynchronous invocation of a durable function`,
      413,
    );
  }
  return executions.startExecution(resolved.fn, { arn: resolved.arn, version: resolved.version }, input, options.name, options.traceHeader);
}

/** A synchronous invocation's answer once the execution ended: its result, or its error as a function error. */
export function outcomeOf(execution: ExecutionRecord, requestId: string): InvokeOutcome {
  if (execution.status === 'SUCCEEDED') return { ok: true, payload: execution.result || 'null', requestId };
  return {
    ok: false,
    requestId,
    error: {
      errorType:
        execution.error?.ErrorType ??
        `Execution${execution.status === 'TIMED_OUT' ? 'TimedOut' : execution.status === 'STOPPED' ? 'Stopped' : 'Failed'}`,
      errorMessage: execution.error?.ErrorMessage ?? `The durable execution ${execution.arn} ended ${execution.status}`,
      ...(execution.error?.StackTrace ? { trace: execution.error.StackTrace } : {}),
    },
  };
}

/** An in-process synchronous invocation of a durable function (an event source, Step Functions): its execution's outcome. */
export async function invokeDurable(
  executions: DurableExecutions,
  resolved: ResolvedFunction<FunctionRuntime>,
  event: unknown,
  name?: string,
): Promise<InvokeOutcome> {
  const { arn } = startDurable(executions, resolved, JSON.stringify(event ?? null), {
    asynchronous: false,
    traceHeader: currentTraceHeader(),
    ...(name ? { name } : {}),
  });
  return outcomeOf(await executions.ended(arn), randomUUID());
}

/** Invoke of a durable function: 202 once its execution is started (Event), or its outcome once it ends (RequestResponse), as Invoke's output. */
export async function invokeDurableApi(
  executions: DurableExecutions,
  resolved: ResolvedFunction<FunctionRuntime>,
  event: unknown,
  options: { readonly type: string; readonly name: string | undefined; readonly requestId: string },
) {
  const { arn } = startDurable(executions, resolved, JSON.stringify(event), {
    asynchronous: options.type === 'Event',
    traceHeader: currentTraceHeader(),
    ...(options.name ? { name: options.name } : {}),
  });
  if (options.type === 'Event') return { StatusCode: 202, DurableExecutionArn: arn };
  const outcome = outcomeOf(await executions.ended(arn), options.requestId);
  return {
    StatusCode: 200,
    DurableExecutionArn: arn,
    ExecutedVersion: resolved.version,
    ...(outcome.ok ? { Payload: outcome.payload } : { FunctionError: 'Unhandled', Payload: JSON.stringify(outcome.error) }),
  };
}

/**
 * What an event source mapping invokes for a durable function: each batch starts an
 * execution of the function the mapping names (qualified, as Lambda requires) and waits for
 * its outcome, as the batch's invocation would. The poller sees the function's name and
 * concurrency as they are.
 */
export function durableMappingTarget(
  executions: DurableExecutions,
  fn: FunctionRuntime,
  resolved: ResolvedFunction<FunctionRuntime>,
): FunctionRuntime {
  const target = {
    get definition() {
      return fn.definition;
    },
    get maxConcurrency() {
      return fn.maxConcurrency;
    },
    invoke: (event: unknown) => invokeDurable(executions, resolved, event),
  };
  // Only these three members are what a poller uses of a function (sqs-event-source.ts).
  return target as unknown as FunctionRuntime;
}
