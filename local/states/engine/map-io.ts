/**
 * A distributed Map's ItemReader and ResultWriter at run time: the items read from S3 (an
 * object's JSON, JSON Lines or CSV, or a bucket's listing) and the child executions' results
 * written back (the results files and their manifest), through the execution's task runner
 * as the S3 API calls of its role (`aws-sdk:s3:*`), so IAM checks them as it checks a task's.
 */
import { randomUUID } from 'node:crypto';
import { Errors, StatesError, TaskFailure } from './errors.js';
import type { StateRun } from './execution-types.js';
import { type ChildRecord, itemsOf, recordOf, serialize, transformed } from './item-formats.js';
import type { ItemReaderSpec, MapS3Call, ResultWriterSpec } from './map-io-definition.js';
import type { StateHost } from './state-host.js';

/**
 * The items the Map Run reads as its ItemReader says, at most `limit` (readerLimit's). Its
 * failures are the Map Run's: States.ItemReaderFailed with AWS's cause.
 */
export async function readItems(
  x: StateHost,
  run: StateRun,
  effective: unknown,
  reader: ItemReaderSpec,
  limit: number,
): Promise<unknown[]> {
  const parameters = asObject(await evaluate(x, run, effective, reader));
  const action = /^arn:[^:]+:states:::s3:(getObject|listObjectsV2)$/.exec(reader.resource)?.[1];
  if (action === undefined) {
    throw new StatesError(Errors.ItemReaderFailed, `The ItemReader's resource ${reader.resource} is not read by the local runtime`);
  }
  if (limit < 0) throw new StatesError(Errors.ItemReaderFailed, 'field MaxItems must be positive');
  const s3 = (operation: string, input: Record<string, unknown>) => call(x, run, operation, input, Errors.ItemReaderFailed);
  if (action === 'getObject') {
    const object = (await s3('getObject', parameters)) as { Body?: unknown };
    const where = `s3://${String(parameters.Bucket)}/${String(parameters.Key)}`;
    return itemsOf(typeof object.Body === 'string' ? object.Body : '', reader.config, where).slice(0, limit);
  }
  const items: unknown[] = [];
  let token: string | undefined;
  do {
    const page = (await s3('listObjectsV2', { ...parameters, ...(token ? { ContinuationToken: token } : {}) })) as ListPage;
    // The ItemReader page: each item is the object's Etag, Key, LastModified (epoch seconds), Size and StorageClass.
    for (const o of page.Contents ?? []) {
      items.push({
        Etag: o.ETag,
        Key: o.Key,
        LastModified: Math.floor(Date.parse(o.LastModified) / 1000),
        Size: o.Size,
        StorageClass: o.StorageClass,
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined && items.length < limit);
  return items.slice(0, limit);
}

interface ListPage {
  readonly Contents?: readonly { ETag: string; Key: string; LastModified: string; Size: number; StorageClass: string }[];
  readonly IsTruncated?: boolean;
  readonly NextContinuationToken?: string;
}

/** A Map Run reads at most 100,000,000 items (the ItemReader page's ReaderConfig). */
const MAX_ITEMS = 100_000_000;

/**
 * ReaderConfig's MaxItems or MaxItemsPath, read before the Map Run starts (one that is not an
 * integer fails the state with States.Runtime); 0, or neither, reads every item up to the quota.
 * A negative one fails the Map Run when it reads (readItems).
 */
export async function readerLimit(x: StateHost, run: StateRun, reader: ItemReaderSpec): Promise<number> {
  const n = (await x.dynamicNumber(run, reader.maxItems, 'MaxItems', 'integer')) ?? 0;
  return n === 0 ? MAX_ITEMS : Math.min(n, MAX_ITEMS);
}

/** Where the Map's results went, or the results themselves when the ResultWriter only shapes them. */
export async function writeResults(
  x: StateHost,
  run: StateRun,
  effective: unknown,
  writer: ResultWriterSpec,
  mapRunArn: string,
  children: readonly ChildRecord[],
): Promise<unknown> {
  // A child execution's ARN: the Map Run's state machine (`<machine>/<label>`) and the child's name.
  const label = mapRunArn.slice(mapRunArn.indexOf(':mapRun:') + ':mapRun:'.length, mapRunArn.lastIndexOf(':'));
  const arns = {
    stateMachineArn: `${x.options.stateMachineArn.slice(0, x.options.stateMachineArn.indexOf(':stateMachine:'))}:stateMachine:${label}`,
    executionPrefix: `${x.options.stateMachineArn.slice(0, x.options.stateMachineArn.indexOf(':stateMachine:'))}:execution:${label}`,
  };
  const record = (child: ChildRecord) => recordOf(child, arns);
  if (!writer.target) return transformed(children, writer.transformation, record);
  const parameters = asObject(await evaluate(x, run, effective, writer.target));
  const bucket = String(parameters.Bucket ?? '');
  const given = typeof parameters.Prefix === 'string' ? parameters.Prefix : '';
  const prefix = `${given === '' || given.endsWith('/') ? given : `${given}/`}${mapRunArn.slice(mapRunArn.lastIndexOf(':') + 1)}/`;
  const put = async (key: string, body: string) => {
    // As bytes: the integration writes a JSON value's JSON text, and the files are already text.
    await call(x, run, 'putObject', { Bucket: bucket, Key: key, Body: Buffer.from(body) }, Errors.ResultWriterFailed);
    return { Key: key, Size: Buffer.byteLength(body) };
  };
  const files: Record<'FAILED' | 'PENDING' | 'SUCCEEDED', { Key: string; Size: number }[]> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  for (const status of ['SUCCEEDED', 'FAILED'] as const) {
    const these = children.filter((c) => c.status === status);
    if (these.length === 0) continue;
    const values = status === 'SUCCEEDED' ? transformed(these, writer.transformation, record) : these.map(record);
    files[status].push(await put(`${prefix}${status}_0.json`, serialize(values, writer.outputType)));
  }
  const manifest = { DestinationBucket: bucket, MapRunArn: mapRunArn, ResultFiles: files };
  const key = `${prefix}manifest.json`;
  await put(key, JSON.stringify(manifest));
  return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: bucket, Key: key } };
}

/** A child execution's name: a UUID, as Step Functions names a Map Run's children. */
export const childName = (): string => randomUUID();

/** The request an ItemReader's or ResultWriter's Parameters (JSONPath) or Arguments (JSONata) build. */
async function evaluate(x: StateHost, run: StateRun, effective: unknown, call: MapS3Call): Promise<unknown> {
  const parameters = call.parameters;
  if (parameters === undefined) return {};
  if (parameters.jsonata) return parameters.build(x.jsonataScope(run.frame, x.statesVar(run)));
  return parameters.build(x.scope(effective, x.ctx(run), run.frame));
}

/** An S3 API call as the execution's role, its failure the Map's `error` with the service's error as the cause. */
async function call(x: StateHost, run: StateRun, operation: string, input: Record<string, unknown>, error: string): Promise<unknown> {
  const runner = x.options.taskRunner;
  if (!runner) throw new StatesError(error, 'No task runner is configured to reach S3');
  try {
    return await runner.run({
      resource: `arn:aws:states:::aws-sdk:s3:${operation}`,
      input,
      stateName: run.state.name,
      signal: run.frame.signal,
      context: x.ctx(run),
      heartbeat: () => {},
    });
  } catch (e) {
    if (run.frame.signal.aborted) throw e;
    const failure = e instanceof TaskFailure ? `${e.error}: ${e.cause ?? ''}` : (e as Error).message;
    throw new StatesError(error, `s3:${operation} failed: ${failure}`);
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
