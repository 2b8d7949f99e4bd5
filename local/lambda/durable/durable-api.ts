import { createHash } from 'node:crypto';
import { AwsError } from '../../endpoint/aws-error.js';
import type { FunctionDirectory } from '../core/function-reference.js';
import type { FunctionRuntime } from '../runtime/function-runtime.js';
import type { ChainedInvokes } from './chained-invokes.js';
import { CheckpointAnswers } from './checkpoint-answers.js';
import type { DurableExecutions } from './durable-executions.js';
import type { ErrorObject, ExecutionRecord, OperationUpdate } from './durable-types.js';
import {
  applyUpdate,
  type ChainedTarget,
  completeCallback,
  replayedOperations,
  type UpdateServices,
  validateUpdate,
} from './operations.js';

/** Lambda's limit on one operation's payload or error in a checkpoint, and on a callback's result (256 KB). */
const MAX_OPERATION_PAYLOAD_BYTES = 262_144;
/**
 * Operations one execution may have. The limit the SDKs document ("maximum history size",
 * durable-execution-sdk-rust LIMITS); past it a checkpoint is refused.
 */
const MAX_OPERATIONS_PER_EXECUTION = 25_000;
const STATE_PAGE = 1000;
const LIST_PAGE = 1000;

const invalid = (message: string) => new AwsError('InvalidParameterValueException', message);

type Input = Readonly<Record<string, unknown>>;

/**
 * The execution an operation names: a path label every request's model check has matched to the
 * whole DurableExecutionArn pattern (an ARN without its execution id is refused there).
 */
const executionArn = (input: Input) => String(input.DurableExecutionArn);

/**
 * The durable execution operations of Lambda's API (2025-12-01): the checkpoint protocol
 * the SDK speaks (CheckpointDurableExecution, GetDurableExecutionState), the callbacks an
 * outside system sends, and the read side (GetDurableExecution, GetDurableExecutionHistory,
 * ListDurableExecutionsByFunction) and StopDurableExecution.
 */
export class DurableApi {
  readonly #answers: CheckpointAnswers;

  constructor(
    private readonly executions: DurableExecutions,
    private readonly directory: FunctionDirectory<FunctionRuntime>,
    private readonly chained: ChainedInvokes,
  ) {
    this.#answers = new CheckpointAnswers(() => executions.clock.now());
  }

  async CheckpointDurableExecution(input: Input) {
    return this.#checkpoint(executionArn(input), input);
  }

  async GetDurableExecutionState(input: Input) {
    return this.#state(executionArn(input), input);
  }

  async GetDurableExecutionHistory(input: Input) {
    return this.#history(executionArn(input), input);
  }

  async StopDurableExecution(input: Input) {
    return this.#stop(executionArn(input), (input.Error ?? {}) as ErrorObject);
  }

  async GetDurableExecution(input: Input) {
    return this.#get(executionArn(input), input);
  }

  async ListDurableExecutionsByFunction(input: Input) {
    return this.#list(String(input.FunctionName), input);
  }

  async SendDurableExecutionCallbackSuccess(input: Input) {
    return this.#callback(String(input.CallbackId), 'succeed', Buffer.isBuffer(input.Result) ? input.Result : Buffer.alloc(0));
  }

  async SendDurableExecutionCallbackFailure(input: Input) {
    return this.#callback(String(input.CallbackId), 'fail', Buffer.from(JSON.stringify(input.Error ?? {})), input.Error);
  }

  async SendDurableExecutionCallbackHeartbeat(input: Input) {
    return this.#callback(String(input.CallbackId), 'heartbeat', Buffer.alloc(0));
  }

  /**
   * CheckpointDurableExecution: applies the updates in order, all or none, and hands out the
   * next token. The same request sent again with its `ClientToken` gets the first answer.
   */
  #checkpoint(arn: string, body: Input) {
    const execution = this.executions.execution(arn);
    const token = body.CheckpointToken;
    if (typeof token !== 'string' || token === '') throw invalid('CheckpointToken is required.');
    const clientToken = typeof body.ClientToken === 'string' && body.ClientToken !== '' ? body.ClientToken : undefined;
    // A digest, not the request: only a repeat is compared with it, and updates carry payloads of up to 256 KB.
    const request =
      clientToken === undefined
        ? ''
        : createHash('sha256')
            .update(JSON.stringify([token, body.Updates ?? []]))
            .digest('base64');
    const repeated = this.#answers.repeat(arn, clientToken, request);
    if (repeated !== undefined) return repeated;
    const answer = this.#apply(arn, execution, token, body);
    this.#answers.remember(arn, clientToken, request, answer);
    return answer;
  }

  #apply(arn: string, execution: ExecutionRecord, token: string, body: Input) {
    // The token of an earlier checkpoint or invocation, or of an execution that ended, is spent.
    if (execution.status !== 'RUNNING' || token !== execution.checkpointToken) {
      throw invalid(`Invalid Checkpoint Token: the token is not the current one of durable execution ${arn}`);
    }
    const updates = (Array.isArray(body.Updates) ? body.Updates : []) as OperationUpdate[];
    for (const update of updates) {
      validateUpdate(update);
      checkSizes(update);
    }
    const { store } = this.executions;
    const fresh = new Set(updates.filter((u) => u.Type !== 'EXECUTION').map((u) => u.Id));
    for (const id of [...fresh]) if (store.operation(arn, id)) fresh.delete(id);
    if (store.operationCount(arn) + fresh.size > MAX_OPERATIONS_PER_EXECUTION) {
      throw invalid(`A durable execution can have at most ${MAX_OPERATIONS_PER_EXECUTION} operations.`);
    }
    const now = this.executions.clock.now();
    const touched = new Set<string>();
    const chained: ({ id: string; functionName: string; payload: string } & ChainedTarget)[] = [];
    // A chained invoke's durable execution starts in this checkpoint's transaction: both are kept, or neither.
    const services: UpdateServices = {
      newCallbackId: () => this.executions.newCallbackId(),
      startChainedTarget: (opId, functionName, payload) => this.chained.target(arn, opId, functionName, payload),
    };
    let ended: { status: 'SUCCEEDED' | 'FAILED'; result?: string; error?: ErrorObject } | undefined;
    const next = this.executions.newToken();
    store.transaction(() => {
      for (const update of updates) {
        // An EXECUTION update ends the execution (the SDK's path for a result too large to return), whatever its Id.
        if (update.Type === 'EXECUTION') {
          ended =
            update.Action === 'SUCCEED'
              ? { status: 'SUCCEEDED', result: update.Payload ?? '' }
              : { status: 'FAILED', error: update.Error ?? {} };
          continue;
        }
        const applied = applyUpdate(store.operation(arn, update.Id), update, now, services);
        store.putOperation(arn, applied.record);
        for (const event of applied.events) store.addEvent(arn, event);
        touched.add(update.Id);
        if (applied.chainedInvoke) chained.push({ id: update.Id, ...applied.chainedInvoke });
      }
      store.update(arn, { checkpoint_token: next });
    });
    if (ended) this.executions.finish(arn, ended.status, ended);
    for (const { id, ...invoke } of chained) this.chained.run(arn, id, invoke);
    for (const id of this.executions.takeExternalChanges(arn)) touched.add(id);
    const operations = [...touched].flatMap((id) => store.operation(arn, id)?.op ?? []);
    return { CheckpointToken: next, NewExecutionState: { Operations: operations } };
  }

  /** GetDurableExecutionState: the operations the running invocation replays, a page at a time. */
  #state(arn: string, query: Input) {
    const execution = this.executions.execution(arn);
    if (query.CheckpointToken !== execution.checkpointToken) {
      throw invalid(`Invalid Checkpoint Token: the token is not the current one of durable execution ${arn}`);
    }
    const operations = replayedOperations(this.executions.store.operations(arn));
    const { items, next } = page(operations, query, STATE_PAGE);
    return { Operations: items, ...(next ? { NextMarker: next } : {}) };
  }

  #get(arn: string, query: Input) {
    const execution = this.executions.execution(arn);
    const include = query.IncludeExecutionData !== false;
    const fn = this.directory.resolve(execution.functionName).fn;
    const settings = fn.definition.template?.DurableConfig as Record<string, unknown> | undefined;
    return {
      ...summary(execution),
      ...(include ? { InputPayload: execution.input } : {}),
      ...(include && execution.result !== undefined ? { Result: execution.result } : {}),
      ...(execution.error ? { Error: execution.error } : {}),
      Version: execution.version,
      ...(execution.traceHeader ? { TraceHeader: { XAmznTraceId: execution.traceHeader } } : {}),
      ExecutionDataIncluded: include,
      ...(settings ? { DurableConfig: settings } : {}),
    };
  }

  #history(arn: string, query: Input) {
    this.executions.execution(arn);
    const include = query.IncludeExecutionData !== false;
    let events = this.executions.store.events(arn);
    if (query.ReverseOrder === true) events = events.reverse();
    const { items, next } = page(events, query, STATE_PAGE);
    const shown = include ? items : items.map(withoutPayloads);
    return { Events: shown, ...(next ? { NextMarker: next } : {}) };
  }

  #list(functionName: string, query: Input) {
    const resolved = this.directory.resolve(functionName, (query.Qualifier as string | undefined) ?? null);
    const statuses = (query.Statuses ?? []) as string[];
    const seconds = (name: string) => {
      const value = query[name];
      return value === undefined ? undefined : Number.isNaN(Number(value)) ? Date.parse(String(value)) : Number(value) * 1000;
    };
    const executions = this.executions.store.list({
      functionName: resolved.fn.definition.name,
      ...(resolved.qualifier !== undefined ? { version: resolved.version } : {}),
      ...(query.DurableExecutionName ? { name: String(query.DurableExecutionName) } : {}),
      ...(statuses.length > 0 ? { statuses } : {}),
      ...(seconds('StartedAfter') !== undefined ? { startedAfter: seconds('StartedAfter') } : {}),
      ...(seconds('StartedBefore') !== undefined ? { startedBefore: seconds('StartedBefore') } : {}),
      reverse: query.ReverseOrder === true,
    });
    const { items, next } = page(executions, query, LIST_PAGE);
    return { DurableExecutions: items.map(summary), ...(next ? { NextMarker: next } : {}) };
  }

  /** StopDurableExecution: ends a running execution as STOPPED, with the caller's error. */
  #stop(arn: string, error: ErrorObject) {
    const execution = this.executions.execution(arn);
    if (execution.status !== 'RUNNING') {
      throw new AwsError('ResourceConflictException', `Durable execution ${arn} is not running: it is ${execution.status}`, 409);
    }
    this.executions.finish(arn, 'STOPPED', { error: error && Object.keys(error).length > 0 ? error : {} });
    return { StopTimestamp: this.executions.store.get(arn)?.endedAt ?? this.executions.clock.now() };
  }

  /** SendDurableExecutionCallbackSuccess / Failure / Heartbeat. */
  #callback(callbackId: string, action: string, body: Buffer, error?: unknown) {
    // Its id's pattern and length are the model's, checked before (ValidationException).
    if (body.length > MAX_OPERATION_PAYLOAD_BYTES) {
      throw invalid(`The callback ${action === 'fail' ? 'error' : 'result'} must be at most ${MAX_OPERATION_PAYLOAD_BYTES} bytes.`);
    }
    const { store } = this.executions;
    const found = store.byCallbackId(callbackId);
    if (!found) throw new AwsError('ResourceNotFoundException', `Callback not found: ${callbackId}`, 404);
    const { executionArn, record } = found;
    if (record.op.Status === 'TIMED_OUT') throw new AwsError('CallbackTimeoutException', `The callback ${callbackId} timed out.`);
    const execution = store.get(executionArn);
    if (record.op.Status !== 'STARTED' || execution?.status !== 'RUNNING') {
      throw invalid(
        `The callback ${callbackId} is closed: it is ${record.op.Status === 'STARTED' ? `in an execution that is ${execution?.status}` : record.op.Status}.`,
      );
    }
    const now = this.executions.clock.now();
    if (action === 'heartbeat') {
      if (record.heartbeatSeconds !== undefined)
        store.putOperation(executionArn, { ...record, heartbeatTimeoutAt: now + record.heartbeatSeconds * 1000 });
      return {};
    }
    const applied =
      action === 'succeed'
        ? completeCallback(record, 'SUCCEEDED', now, body.length > 0 ? { result: body.toString('utf8') } : {})
        : completeCallback(record, 'FAILED', now, { error: (error ?? {}) as ErrorObject });
    store.transaction(() => {
      store.putOperation(executionArn, applied.record);
      for (const event of applied.events) store.addEvent(executionArn, event);
    });
    this.executions.changedOutside(executionArn, [record.op.Id]);
    return {};
  }
}

/** An execution as ListDurableExecutionsByFunction lists it. */
function summary(e: ExecutionRecord) {
  return {
    DurableExecutionArn: e.arn,
    DurableExecutionName: e.name,
    FunctionArn: e.functionArn,
    Status: e.status,
    StartTimestamp: e.startedAt,
    ...(e.endedAt !== undefined ? { EndTimestamp: e.endedAt } : {}),
  };
}

function checkSizes(update: OperationUpdate): void {
  if (update.Payload !== undefined && Buffer.byteLength(update.Payload) > MAX_OPERATION_PAYLOAD_BYTES) {
    throw invalid(
      `The payload of operation ${update.Id} is ${Buffer.byteLength(update.Payload)} bytes: at most ${MAX_OPERATION_PAYLOAD_BYTES} are allowed.`,
    );
  }
  if (update.Error !== undefined && Buffer.byteLength(JSON.stringify(update.Error)) > MAX_OPERATION_PAYLOAD_BYTES) {
    throw invalid(`The error of operation ${update.Id} is over ${MAX_OPERATION_PAYLOAD_BYTES} bytes.`);
  }
}

/** A history event without its input, result and error payloads (`IncludeExecutionData=false`). */
function withoutPayloads<T extends object>(event: T): T {
  return JSON.parse(JSON.stringify(event, (key, value) => (key === 'Payload' ? undefined : value))) as T;
}

/** One page after `Marker` (an index, as text), of at most `MaxItems` (0 to 1000 by the model's check; 0 is a whole page). */
function page<T>(all: readonly T[], query: Input, limit: number): { items: T[]; next?: string } {
  const max = query.MaxItems;
  const size = max === undefined || max === 0 ? limit : Math.min(Number(max), limit);
  const marker = query.Marker;
  const start = marker === undefined || marker === '' ? 0 : Number(marker);
  if (!Number.isInteger(start) || start < 0) throw invalid(`Invalid marker: ${marker}`);
  const items = all.slice(start, start + size);
  return { items, ...(start + size < all.length ? { next: String(start + size) } : {}) };
}
