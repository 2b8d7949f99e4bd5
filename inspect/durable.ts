import type { Execution, ExecutionStatus, GetDurableExecutionResponse } from '@aws-sdk/client-lambda';
import { type AppThing, NAMED_BY, NoSuchName, thingsNamed } from '../clients/assembly/app-names.js';
import type { DurableHistoryEvent } from '../clients/durable-timeline.js';
import type { DurableExecutionStatus } from '../clients/execution-statuses.js';
import { resourceName } from '../clients/resource-names.js';
import { constructPathOf, defaultCdkOut, hasAssembly, readAssembly, resourcesOfType } from './assembly.js';
import { type Clients, call, errorCode, pages } from './aws.js';
import { physicalNameMatches } from './dead-letters.js';
import { CliError } from './errors.js';

/** A durable function (one with DurableConfig) of the app, as deployed in the target. */
export interface DurableFunction {
  /** Its name in the app (the logical id without CDK's hash), or its deployed name without an assembly. */
  readonly function: string;
  readonly functionName: string;
  /** Where the assembly declares it (absent without an assembly). */
  readonly definition?: {
    readonly stackName: string;
    readonly logicalId: string;
    readonly explicitName?: string;
    readonly constructPath?: string;
  };
}

/** One durable execution as listed, with the function it runs. */
export interface DurableListed extends Execution {
  readonly function: string;
}

/** One durable execution in full: GetDurableExecution and every page of its history. */
export interface DurableDetail {
  readonly function?: string;
  readonly execution: Omit<GetDurableExecutionResponse, '$metadata'>;
  readonly events: DurableHistoryEvent[];
}

/**
 * The app's durable functions in the target: every function ListFunctions gives with a
 * DurableConfig, kept to those of the assembly's templates when there is one (found by
 * their physical names, as the other commands find queues and functions).
 */
/**
 * Lambda's SDK, loaded when a command first needs it: it is the largest client the CLI uses,
 * and most apps declare no durable function, so `failures` and `executions` need not load it.
 */
export function lambdaSdk(): Promise<typeof import('@aws-sdk/client-lambda')> {
  return import('@aws-sdk/client-lambda');
}

export async function durableFunctions(clients: Clients, cdkOutOption: string | undefined): Promise<DurableFunction[]> {
  const cdkOut = defaultCdkOut(cdkOutOption);
  const definitions = hasAssembly(cdkOut)
    ? resourcesOfType(readAssembly(cdkOut), 'AWS::Lambda::Function')
        .filter((f) => f.properties.DurableConfig !== undefined)
        .map((f) => ({
          stackName: f.stackName,
          logicalId: f.logicalId,
          explicitName: typeof f.properties.FunctionName === 'string' ? f.properties.FunctionName : undefined,
          ...constructPathOf(f),
        }))
    : undefined;
  // An app whose template declares none has none deployed: nothing to ask Lambda.
  if (definitions?.length === 0) return [];
  const { paginateListFunctions } = await lambdaSdk();
  const found: DurableFunction[] = [];
  for await (const page of pages(clients.target, paginateListFunctions({ client: clients.lambda, pageSize: 50 }, {}))) {
    for (const fn of page.Functions ?? []) {
      if (!fn.FunctionName || fn.DurableConfig === undefined) continue;
      if (definitions === undefined) {
        found.push({ function: fn.FunctionName, functionName: fn.FunctionName });
        continue;
      }
      const definition = definitions.find((d) => physicalNameMatches(d, fn.FunctionName ?? ''));
      if (definition !== undefined) {
        const name = definition.explicitName ?? resourceName(definition.logicalId);
        const { stackName, logicalId, explicitName, constructPath } = definition;
        const declared = {
          stackName,
          logicalId,
          ...(explicitName === undefined ? {} : { explicitName }),
          ...(constructPath === undefined ? {} : { constructPath }),
        };
        found.push({ function: name, functionName: fn.FunctionName, definition: declared });
      }
    }
  }
  return found;
}

/**
 * The durable functions named by `--function`, by every name a function is shown by
 * (inspect/app-names.ts: its name in the app, logical id, deployed name, ARN, construct path),
 * or all of them.
 */
export function selectDurableFunctions(all: readonly DurableFunction[], wanted: string | undefined): DurableFunction[] {
  if (wanted === undefined) return [...all];
  const chosen = durableFunctionsNamed(all, wanted);
  if (chosen.length === 0) {
    throw new NoSuchName(
      `no durable function "${wanted}" in the app (durable functions: ${all.map((f) => f.function).join(', ') || 'none'}); ${NAMED_BY}`,
    );
  }
  return chosen;
}

/** The durable functions `wanted` names (inspect/app-names.ts); none when it names none. */
export function durableFunctionsNamed(all: readonly DurableFunction[], wanted: string, where = '--function'): DurableFunction[] {
  return thingsNamed(all.map(durableThing), wanted, undefined, where).map((thing) => thing.fn);
}

/** A durable function as the one name resolver sees it. */
function durableThing(fn: DurableFunction): AppThing & { readonly fn: DurableFunction } {
  const declared = fn.definition ?? { stackName: '', logicalId: fn.functionName };
  return { kind: 'function', shown: fn.function, ...declared, deployed: [fn.functionName], fn };
}

/** Each function's durable executions (ListDurableExecutionsByFunction), newest first, at most `limit`. */
export async function listDurableExecutions(
  clients: Clients,
  functions: readonly DurableFunction[],
  filter: { statuses?: readonly DurableExecutionStatus[]; name?: string; limit: number; startedAfter?: Date },
): Promise<DurableListed[]> {
  if (functions.length === 0) return [];
  const { paginateListDurableExecutionsByFunction } = await lambdaSdk();
  const rows: DurableListed[] = [];
  for (const fn of functions) {
    let taken = 0;
    const paginator = paginateListDurableExecutionsByFunction(
      { client: clients.lambda, pageSize: Math.min(1000, filter.limit) },
      {
        FunctionName: fn.functionName,
        ...(filter.statuses ? { Statuses: [...filter.statuses] as ExecutionStatus[] } : {}),
        ...(filter.name ? { DurableExecutionName: filter.name } : {}),
        ...(filter.startedAfter ? { StartedAfter: filter.startedAfter } : {}),
        ReverseOrder: true,
      },
    );
    for await (const page of pages(clients.target, paginator)) {
      for (const e of page.DurableExecutions ?? []) rows.push({ ...e, function: fn.function });
      taken += page.DurableExecutions?.length ?? 0;
      if (taken >= filter.limit) break;
    }
  }
  rows.sort((a, b) => (b.StartTimestamp?.getTime() ?? 0) - (a.StartTimestamp?.getTime() ?? 0));
  return rows.slice(0, filter.limit);
}

/** A durable execution ARN (`...:function:<name>:<version>/durable-execution/<name>/<id>`). */
export function isDurableExecutionArn(value: string): boolean {
  return /^arn:[^:]+:lambda:[^:]*:\d*:function:[^/]+\/durable-execution\/[^/]+\/[^/]+$/.test(value);
}

/** No durable execution of the functions searched has the name (nor any of its aliases). */
export class NoDurableExecutionNamed extends CliError {
  constructor(
    readonly wanted: string,
    /** Where it was looked for, as the message says it: the functions, or that the app has none. */
    readonly searched: string,
  ) {
    super(`no durable execution named "${wanted}" in ${searched}`);
    this.name = 'NoDurableExecutionNamed';
  }
}

/**
 * One durable execution by ARN, or by name among the functions' executions; when none has
 * the name, by the names in `aliases` (what a starter names an execution about it:
 * inspect/execution-names.ts).
 */
export async function loadDurableExecution(
  clients: Clients,
  functions: readonly DurableFunction[],
  wanted: string,
  aliases: () => readonly string[] = () => [],
): Promise<DurableDetail> {
  let arn = wanted;
  let fn: string | undefined;
  if (!isDurableExecutionArn(wanted)) {
    let named = await listDurableExecutions(clients, functions, { name: wanted, limit: 1000 });
    for (const alias of named.length === 0 && functions.length > 0 ? aliases() : []) {
      named = [...named, ...(await listDurableExecutions(clients, functions, { name: alias, limit: 1000 }))];
    }
    if (named.length === 0) {
      const searched =
        functions.length === 0
          ? 'the app: it has no durable function deployed in the target'
          : `the app's durable functions (${functions.map((f) => f.function).join(', ')})`;
      throw new NoDurableExecutionNamed(wanted, searched);
    }
    const arns = new Set(named.map((e) => e.DurableExecutionArn));
    if (arns.size > 1) {
      throw new CliError(`durable execution "${wanted}" exists several times (${[...arns].join(', ')}): pass one of these ARNs`);
    }
    arn = named[0]?.DurableExecutionArn ?? wanted;
    fn = named[0]?.function;
  }
  const execution = await getExecution(clients, arn);
  fn ??= functions.find((f) => execution.FunctionArn?.includes(`:function:${f.functionName}:`))?.function;
  return { ...(fn ? { function: fn } : {}), execution, events: await durableHistory(clients, arn) };
}

async function getExecution(clients: Clients, arn: string): Promise<Omit<GetDurableExecutionResponse, '$metadata'>> {
  const { GetDurableExecutionCommand } = await lambdaSdk();
  try {
    const { $metadata: _, ...execution } = await clients.lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }));
    return execution;
  } catch (error) {
    if (errorCode(error) === 'ResourceNotFoundException') throw new CliError(`no durable execution ${arn}`);
    return call(clients.target, () => Promise.reject(error));
  }
}

/** Every event of the execution's history, oldest first. */
export async function durableHistory(clients: Clients, arn: string): Promise<DurableHistoryEvent[]> {
  const { paginateGetDurableExecutionHistory } = await lambdaSdk();
  const events: DurableHistoryEvent[] = [];
  const paginator = paginateGetDurableExecutionHistory(
    { client: clients.lambda },
    { DurableExecutionArn: arn, IncludeExecutionData: true },
  );
  for await (const page of pages(clients.target, paginator)) events.push(...((page.Events ?? []) as DurableHistoryEvent[]));
  return events;
}
