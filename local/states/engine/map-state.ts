/** The Map state (inline and distributed): item selection, batching, concurrency and tolerated failures. */
import { randomUUID } from 'node:crypto';
import { abortThreads } from './abort-events.js';
import type { Program, State } from './definition.js';
import { Errors, StatesError } from './errors.js';
import type { StateRun, Thread } from './execution-types.js';
import type { Scope } from './intrinsics.js';
import type { ChildRecord } from './item-formats.js';
import { byteLength, stringify, typeName } from './json.js';
import type { JsonataTemplate } from './jsonata.js';
import { childName, readerLimit, readItems, writeResults } from './map-io.js';
import type { ItemBatcherSpec, ItemReaderSpec } from './map-io-definition.js';
import { type MapRunUnits, mapRunReporter } from './map-run.js';
import { type ReferencePath, requirePath } from './payload.js';
import { markFailed, toleratedCount, toStatesError } from './retry-policy.js';
import type { StateHost } from './state-host.js';

export async function mapState(x: StateHost, run: StateRun, attempt: number): Promise<unknown> {
  const { state, frame } = run;
  const jsonata = state.ql === 'JSONata';
  const effective = jsonata ? run.input : x.effectiveInputCached(run);
  // A Map reading its items with an ItemReader starts with none: its Map Run reads them (AWS's recorded length is 0).
  const given = state.itemReader ? [] : await inputItems(x, run, effective);
  const maxConcurrency = (await x.dynamicNumber(run, state.maxConcurrency, 'MaxConcurrency', 'integer')) ?? 0;
  x.emit(frame, 'MapStateStarted', 'mapStateStartedEventDetails', { length: given.length });
  const percentage = await x.dynamicNumber(run, state.toleratedFailurePercentage, 'ToleratedFailurePercentage', 'float');
  const count = await x.dynamicNumber(run, state.toleratedFailureCount, 'ToleratedFailureCount', 'integer');
  if (percentage !== undefined && (percentage < 0 || percentage > 100))
    throw new StatesError(Errors.Runtime, 'ToleratedFailurePercentage must be between 0 and 100.');
  if (count !== undefined && count < 0) throw new StatesError(Errors.Runtime, 'ToleratedFailureCount cannot be negative.');
  const maxItems = state.itemReader ? await readerLimit(x, run, state.itemReader) : 0;
  const distributed = state.distributed === true;
  // A Map without a Label has a UUID for it in its Map Run's ARN (AWS's recorded ARNs).
  const label = (state.raw.Label as string | undefined) ?? randomUUID();
  const mapRunArn = `${x.options.stateMachineArn.replace(':stateMachine:', ':mapRun:')}/${label}:${randomUUID()}`;
  const runStarted = distributed ? x.emit(frame, 'MapRunStarted', 'mapRunStartedEventDetails', { mapRunArn }) : undefined;
  void attempt;
  // The Map Run is reported from its MapRunStarted, before it reads its items, as AWS lists it:
  // one whose ItemReader fails is there, FAILED, with nothing counted.
  let children: MapRunUnits = NOTHING_READ;
  const settings = { mapRunArn, label, maxConcurrency, toleratedFailureCount: count, toleratedFailurePercentage: percentage };
  const report = distributed ? mapRunReporter(x, settings, () => children) : undefined;
  report?.('RUNNING');
  let items: unknown[];
  let batches: unknown[] | undefined;
  try {
    items = state.itemReader ? await mapRunItems(x, run, effective, state.itemReader, maxItems) : given;
    batches = state.itemBatcher ? await batch(x, run, items, effective) : undefined;
  } catch (e) {
    report?.(x.signal.aborted ? 'ABORTED' : 'FAILED');
    throw e;
  }
  const iterations = new MapIterations(x, run, items, batches, effective, percentage, count);
  children = iterations;
  const units = iterations.units;
  const limit = maxConcurrency > 0 ? maxConcurrency : units.length;
  report?.('RUNNING');
  await Promise.all(Array.from({ length: Math.min(limit, Math.max(units.length, 1)) }, () => iterations.work()));
  const failure = iterations.failure;
  frame.last = failure === undefined ? Math.max(frame.last, iterations.endId) : iterations.failedAt;
  if (failure !== undefined) {
    report?.(x.signal.aborted ? 'ABORTED' : 'FAILED');
    if (x.signal.aborted) throw failure;
    if (distributed) x.emit(frame, 'MapRunFailed', 'mapRunFailedEventDetails', {});
    throw markFailed(failure);
  }
  // A ResultWriter exports the children's results (or shapes them) in place of the array of outputs.
  const result = state.resultWriter
    ? await writeResults(x, run, effective, state.resultWriter, mapRunArn, iterations.children)
    : iterations.results;
  report?.('SUCCEEDED');
  if (distributed) x.emit(frame, 'MapRunSucceeded');
  // AWS's MapStateExited names the last iteration event as its previous one, not this; a distributed
  // Map's, its MapRunStarted (AWS's recorded ids, since 2024-11; before, its MapRunSucceeded).
  const last = runStarted ?? frame.last;
  x.emit(frame, 'MapStateSucceeded');
  frame.last = last;
  return x.finish(run, result, effective);
}

/** A Map Run's children before it has read its items: none. */
const NOTHING_READ: MapRunUnits = { units: [], statuses: [] };

/**
 * The items a JSONPath Map's ItemsPath selects, an array, or States.Runtime as AWS words it
 * (recorded by TestState: `Reference path "$.Execution.Input" must point to array.` for
 * `$$.Execution.Input`, a context path named from its context root).
 */
export function mapItems(itemsPath: ReferencePath, scope: Scope): unknown[] {
  const items = requirePath(itemsPath, scope);
  if (!Array.isArray(items)) {
    const source = itemsPath.source.startsWith('$$') ? itemsPath.source.slice(1) : itemsPath.source;
    throw new StatesError(Errors.Runtime, `Reference path "${source}" must point to array.`);
  }
  return items;
}

/** The items of a Map without an ItemReader: its ItemsPath (JSONPath) or Items (JSONata), or its input. */
async function inputItems(x: StateHost, run: StateRun, effective: unknown): Promise<unknown[]> {
  const { state, frame } = run;
  let items: unknown;
  if (state.ql === 'JSONata')
    items = state.items ? jsonataItems(state, await state.items(x.jsonataScope(frame, x.statesVar(run)))) : run.input;
  else items = state.itemsPath ? mapItems(state.itemsPath, x.scope(effective, x.ctx(run), frame)) : effective;
  if (!Array.isArray(items))
    throw new StatesError(Errors.QueryEvaluationError, `Map state input must be an array but was: ${stringify(items)}`);
  return items;
}

/**
 * The items the Map Run reads. AWS ignores the ItemsPath of a Map with an ItemReader (its
 * recorded answers: a path into the reader's items or one that finds nothing read them all). A
 * reader's failure is the Map Run's: its MapRunFailed carries the error and the cause, which the
 * execution's failure repeats without the state's prefix.
 */
async function mapRunItems(x: StateHost, run: StateRun, effective: unknown, reader: ItemReaderSpec, limit: number): Promise<unknown[]> {
  try {
    return await readItems(x, run, effective, reader, limit);
  } catch (e) {
    if (x.signal.aborted || !(e instanceof StatesError)) throw e;
    x.emit(run.frame, 'MapRunFailed', 'mapRunFailedEventDetails', { error: e.error, cause: e.cause });
    throw markFailed(new StatesError(e.error, e.cause, undefined, false));
  }
}

/** What a JSONata Items expression gave, if it is an array. */
function jsonataItems(state: State, items: unknown): unknown[] {
  if (!Array.isArray(items)) {
    const text = state.raw.Items;
    throw new StatesError(
      Errors.QueryEvaluationError,
      `The JSONata expression '${typeof text === 'string' ? text.slice(2, -2).trim() : stringify(text)}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '${typeName(items)}' for value: ${stringify(items)}`,
      'Items',
    );
  }
  return items;
}

/**
 * The iterations of one Map state, run by up to MaxConcurrency workers that each take
 * the next unit (an item, or a batch) until all ran or one failure stops them.
 */
class MapIterations {
  readonly units: unknown[];
  readonly results: unknown[];
  /** Each child execution (item or batch), for a ResultWriter, in the order of the items. */
  readonly records: (ChildRecord | undefined)[];
  failure: unknown;
  /** The event the failure came after, which the Map's failure events follow. */
  failedAt: number;
  /** The iterations started, in the order they started (see abort-events.ts). */
  readonly threads: Thread[] = [];
  /** The last event of the iterations, which the next iteration's MapIterationStarted follows. */
  lastId: number;
  /**
   * The last MapIterationSucceeded: the Map's own next event follows it (or lastId, if later),
   * while a next iteration's follows the event before it (AWS's recorded ids).
   */
  private succeededId = 0;
  private failures = 0;
  /** Each unit's child execution as it went: started, then SUCCEEDED or FAILED (a Map Run's counts). */
  readonly statuses: ('RUNNING' | 'SUCCEEDED' | 'FAILED' | undefined)[];
  private nextIndex = 0;
  private readonly distributed: boolean;
  private readonly tolerance: boolean;
  private readonly abort = new AbortController();
  private readonly signal: AbortSignal;

  constructor(
    private readonly x: StateHost,
    private readonly run: StateRun,
    private readonly items: unknown[],
    private readonly batches: unknown[] | undefined,
    private readonly effective: unknown,
    private readonly percentage: number | undefined,
    private readonly count: number | undefined,
  ) {
    this.units = batches ?? items;
    this.results = new Array(this.units.length);
    this.statuses = new Array(this.units.length);
    this.records = new Array(run.state.resultWriter ? this.units.length : 0);
    this.distributed = run.state.distributed === true;
    this.tolerance = percentage !== undefined || count !== undefined;
    this.signal = AbortSignal.any([run.frame.signal, this.abort.signal]);
    this.lastId = run.frame.last;
    this.failedAt = run.frame.last;
    if (run.frame.current) run.frame.current.threads = this.threads;
  }

  /** The event the Map's own next one follows. */
  get endId(): number {
    return Math.max(this.lastId, this.succeededId);
  }

  /** The child executions that ran, in the order of the items. */
  get children(): ChildRecord[] {
    return this.records.filter((r): r is ChildRecord => r !== undefined);
  }

  async work(): Promise<void> {
    const { x, run, batches, distributed } = this;
    const { state, frame } = run;
    const processor = state.processor as Program;
    while (this.failure === undefined && this.nextIndex < this.units.length) {
      const index = this.nextIndex++;
      const value = batches ? this.units[index] : this.items[index];
      const iterFrame = x.childFrame(frame, this.signal, batches ? undefined : { Index: index, Value: value }, distributed || frame.silent);
      iterFrame.last = Math.max(iterFrame.last, this.lastId);
      let itemInput: unknown = value;
      try {
        if (!batches && state.itemSelector) {
          const ctx = { ...x.ctx(run), Map: { Item: { Index: index, Value: value } } };
          if (state.itemSelectorIsJsonata)
            itemInput = await (state.itemSelector as JsonataTemplate)(x.jsonataScope(frame, { input: run.input, context: ctx }));
          else itemInput = (state.itemSelector as (s: Scope) => unknown)(x.scope(this.effective, ctx, frame));
        }
      } catch (e) {
        this.fail(e, this.lastId);
        return;
      }
      if (!distributed) x.emit(iterFrame, 'MapIterationStarted', 'mapIterationStartedEventDetails', { index, name: state.name });
      const thread: Thread = { frame: iterFrame, ended: distributed, ...(distributed ? {} : { iteration: { index, name: state.name } }) };
      this.threads.push(thread);
      const child = { name: childName(), input: itemInput, startDate: x.clock.now() };
      this.statuses[index] = 'RUNNING';
      try {
        this.results[index] = (await x.runProgram(processor, itemInput, iterFrame)).output;
        this.statuses[index] = 'SUCCEEDED';
        if (this.records.length > 0)
          this.records[index] = { ...child, status: 'SUCCEEDED', output: this.results[index], stopDate: x.clock.now() };
        this.lastId = Math.max(this.lastId, iterFrame.last);
        if (!distributed) x.emit(iterFrame, 'MapIterationSucceeded', 'mapIterationSucceededEventDetails', { index, name: state.name });
        thread.ended = true;
        this.succeededId = Math.max(this.succeededId, iterFrame.last);
      } catch (e) {
        if (this.stopped(iterFrame.last)) return;
        this.statuses[index] = 'FAILED';
        this.failed(e, index, thread);
        const { Error: error, Cause: cause } = this.results[index] as { Error: string; Cause?: string };
        if (this.records.length > 0)
          this.records[index] = { ...child, status: 'FAILED', error, ...(cause === undefined ? {} : { cause }), stopDate: x.clock.now() };
      }
    }
  }

  /**
   * An iteration that ended because the execution, this Map or the state around it stopped: not a
   * failure of its own (the failure that stopped it recorded its abort).
   */
  private stopped(last: number): boolean {
    if (!(this.x.signal.aborted || this.signal.aborted)) return false;
    this.lastId = Math.max(this.lastId, last);
    return true;
  }

  /** Stops the other iterations: the Map fails with `failure`, after the event `at`. */
  private fail(failure: unknown, at: number): void {
    this.failure = failure;
    this.failedAt = at;
    this.abort.abort(new Error('iteration failed'));
    if (!this.x.signal.aborted) abortThreads(this.x, this.threads, at);
  }

  /** Records a failed iteration; past the tolerance, it fails the Map and stops the other iterations. */
  private failed(e: unknown, index: number, thread: Thread): void {
    const { x, distributed, tolerance } = this;
    const iterFrame = thread.frame;
    const at = iterFrame.last;
    if (!distributed) x.emit(iterFrame, 'MapIterationFailed', 'mapIterationFailedEventDetails', { index, name: this.run.state.name });
    thread.ended = true;
    // Its state closes after it, tolerated or not (the others' only if the Map fails).
    if (!x.signal.aborted) abortThreads(x, [thread], at);
    this.lastId = Math.max(this.lastId, iterFrame.last);
    this.failures++;
    const err = e instanceof StatesError ? e : toStatesError(e);
    this.results[index] = { Error: err.error, Cause: err.cause };
    const tolerated = tolerance && this.failures <= toleratedCount(this.units.length, this.percentage, this.count);
    if (!tolerated && this.failure === undefined)
      this.fail(
        tolerance || distributed
          ? new StatesError(Errors.ExceedToleratedFailureThreshold, 'The specified tolerance threshold was exceeded', undefined, false)
          : e,
        at,
      );
  }
}

/**
 * The items in batches as the ItemBatcher says: at most MaxItemsPerBatch items, and at most
 * MaxInputBytesPerBatch bytes of items and BatchInput (a single item larger still makes a batch).
 */
async function batch(x: StateHost, run: StateRun, items: unknown[], effective: unknown): Promise<unknown[]> {
  const batcher = run.state.itemBatcher as ItemBatcherSpec;
  const maxItems = (await x.dynamicNumber(run, batcher.maxItemsPerBatch, 'MaxItemsPerBatch', 'integer')) ?? items.length;
  const maxBytes =
    (await x.dynamicNumber(run, batcher.maxInputBytesPerBatch, 'MaxInputBytesPerBatch', 'integer')) ?? Number.POSITIVE_INFINITY;
  const built = batcher.batchInput;
  const batchInput =
    built === undefined
      ? undefined
      : built.jsonata
        ? await built.build(x.jsonataScope(run.frame, x.statesVar(run)))
        : built.build(x.scope(effective, x.ctx(run), run.frame));
  const base = batchInput === undefined ? 0 : byteLength(stringify(batchInput));
  const out: { BatchInput?: unknown; Items: unknown[] }[] = [];
  let current: unknown[] = [];
  let bytes = base;
  for (const item of items) {
    const size = byteLength(stringify(item));
    if (current.length > 0 && (current.length >= Math.max(1, maxItems) || bytes + size > maxBytes)) {
      out.push({ ...(batchInput === undefined ? {} : { BatchInput: batchInput }), Items: current });
      current = [];
      bytes = base;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) out.push({ ...(batchInput === undefined ? {} : { BatchInput: batchInput }), Items: current });
  return out;
}
