/** The Map state (inline and distributed): item selection, batching, concurrency and tolerated failures. */
import { randomUUID } from 'node:crypto';
import type { Program } from './definition.js';
import { Errors, StatesError } from './errors.js';
import type { StateRun } from './execution-types.js';
import type { Scope } from './intrinsics.js';
import { stringify, typeName } from './json.js';
import type { JsonataTemplate } from './jsonata.js';
import { compilePayload, compileReferencePath, requirePath } from './payload.js';
import { markFailed, toleratedCount, toStatesError } from './retry.js';
import type { StateHost } from './state-host.js';

export async function mapState(x: StateHost, run: StateRun, attempt: number): Promise<unknown> {
  const { state, frame } = run;
  const jsonata = state.ql === 'JSONata';
  let items: unknown;
  let effective: unknown;
  if (jsonata) {
    effective = run.input;
    if (state.items) {
      items = await state.items(x.jsonataScope(frame, x.statesVar(run)));
      if (!Array.isArray(items)) {
        const text = state.raw.Items;
        throw new StatesError(
          Errors.QueryEvaluationError,
          `The JSONata expression '${typeof text === 'string' ? text.slice(2, -2).trim() : stringify(text)}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '${typeName(items)}' for value: ${stringify(items)}`,
          'Items',
        );
      }
    } else items = run.input;
  } else {
    effective = x.effectiveInputCached(run);
    items = state.itemsPath ? requirePath(state.itemsPath, x.scope(effective, x.ctx(run), frame)) : effective;
  }
  if (!Array.isArray(items))
    throw new StatesError(Errors.QueryEvaluationError, `Map state input must be an array but was: ${stringify(items)}`);
  const maxConcurrency = (await x.dynamicNumber(run, state.maxConcurrency, 'MaxConcurrency', 'integer')) ?? 0;
  x.emit(frame, 'MapStateStarted', 'mapStateStartedEventDetails', { length: items.length });
  const percentage = await x.dynamicNumber(run, state.toleratedFailurePercentage, 'ToleratedFailurePercentage', 'float');
  const count = await x.dynamicNumber(run, state.toleratedFailureCount, 'ToleratedFailureCount', 'integer');
  if (percentage !== undefined && (percentage < 0 || percentage > 100))
    throw new StatesError(Errors.Runtime, 'ToleratedFailurePercentage must be between 0 and 100.');
  if (count !== undefined && count < 0) throw new StatesError(Errors.Runtime, 'ToleratedFailureCount cannot be negative.');
  const distributed = state.distributed === true;
  if (distributed) {
    const mapRunArn = `${x.options.stateMachineArn.replace(':stateMachine:', ':mapRun:')}/${(state.raw.Label as string | undefined) ?? state.name}:${randomUUID()}`;
    x.emit(frame, 'MapRunStarted', 'mapRunStartedEventDetails', { mapRunArn });
  }
  void attempt;
  const batches = state.itemBatcher ? await batch(x, run, items, effective) : undefined;
  const units = batches ?? items;
  const processor = state.processor as Program;
  const abort = new AbortController();
  const signal = AbortSignal.any([frame.signal, abort.signal]);
  const results: unknown[] = new Array(units.length);
  const tolerance = percentage !== undefined || count !== undefined;
  let failures = 0;
  let failure: unknown;
  let lastId = frame.last;
  let nextIndex = 0;
  const limit = maxConcurrency > 0 ? maxConcurrency : units.length;
  const worker = async () => {
    while (failure === undefined && nextIndex < units.length) {
      const index = nextIndex++;
      const value = batches ? units[index] : items[index];
      const iterFrame = x.childFrame(frame, signal, batches ? undefined : { Index: index, Value: value }, distributed || frame.silent);
      iterFrame.last = Math.max(iterFrame.last, lastId);
      let itemInput: unknown = value;
      try {
        if (!batches && state.itemSelector) {
          const ctx = { ...x.ctx(run), Map: { Item: { Index: index, Value: value } } };
          if (state.itemSelectorIsJsonata)
            itemInput = await (state.itemSelector as JsonataTemplate)(x.jsonataScope(frame, { input: run.input, context: ctx }));
          else itemInput = (state.itemSelector as (s: Scope) => unknown)(x.scope(effective, ctx, frame));
        }
      } catch (e) {
        failure = e;
        abort.abort(new Error('selector failed'));
        return;
      }
      if (!distributed) x.emit(iterFrame, 'MapIterationStarted', 'mapIterationStartedEventDetails', { index, name: state.name });
      try {
        results[index] = await x.runProgram(processor, itemInput, iterFrame);
        lastId = Math.max(lastId, iterFrame.last);
        if (!distributed) x.emit(iterFrame, 'MapIterationSucceeded', 'mapIterationSucceededEventDetails', { index, name: state.name });
      } catch (e) {
        if (x.signal.aborted || (signal.aborted && failure !== undefined)) {
          if (!distributed && !x.signal.aborted)
            x.emit(iterFrame, 'MapIterationAborted', 'mapIterationAbortedEventDetails', { index, name: state.name });
          lastId = Math.max(lastId, iterFrame.last);
          return;
        }
        if (!distributed) x.emit(iterFrame, 'MapIterationFailed', 'mapIterationFailedEventDetails', { index, name: state.name });
        lastId = Math.max(lastId, iterFrame.last);
        failures++;
        const err = e instanceof StatesError ? e : toStatesError(e);
        results[index] = { Error: err.error, Cause: err.cause };
        const tolerated = tolerance && failures <= toleratedCount(units.length, percentage, count);
        if (!tolerated && failure === undefined) {
          failure =
            tolerance || distributed
              ? new StatesError(Errors.ExceedToleratedFailureThreshold, 'The specified tolerance threshold was exceeded', undefined, false)
              : e;
          abort.abort(new Error('iteration failed'));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, Math.max(units.length, 1)) }, worker));
  frame.last = Math.max(frame.last, lastId);
  if (failure !== undefined) {
    if (x.signal.aborted) throw failure;
    if (distributed) x.emit(frame, 'MapRunFailed', 'mapRunFailedEventDetails', {});
    throw markFailed(failure);
  }
  if (distributed) x.emit(frame, 'MapRunSucceeded');
  x.emit(frame, 'MapStateSucceeded');
  return x.finish(run, results, effective);
}

async function batch(x: StateHost, run: StateRun, items: unknown[], effective: unknown): Promise<unknown[]> {
  const cfg = run.state.itemBatcher as Record<string, unknown>;
  const scope = x.scope(effective, x.ctx(run), run.frame);
  let maxItems = items.length;
  if (typeof cfg.MaxItemsPerBatch === 'number') maxItems = cfg.MaxItemsPerBatch;
  else if (typeof cfg.MaxItemsPerBatchPath === 'string')
    maxItems = Number(requirePath(compileReferencePath(cfg.MaxItemsPerBatchPath), scope));
  const size = Math.max(1, Number.isFinite(maxItems) ? maxItems : items.length);
  const batchInput = cfg.BatchInput !== undefined ? compilePayload(cfg.BatchInput)(scope) : undefined;
  const out: unknown[] = [];
  for (let i = 0; i < items.length; i += size) {
    const b: Record<string, unknown> = {};
    if (batchInput !== undefined) b.BatchInput = batchInput;
    b.Items = items.slice(i, i + size);
    out.push(b);
  }
  return out;
}
