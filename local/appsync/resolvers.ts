import { callDataSource, type DataSourceServices } from './data-sources.js';
import type { GraphqlApiDefinition, ResolverCode, ResolverDefinition } from './definitions.js';
import { type AppendedError, AppSyncResolverError } from './errors.js';
import { type AppSyncJsContext, evaluateAppSyncJs } from './resolvers/appsync-js.js';
import type { SubscriptionFilter } from './subscription-filters.js';
import { renderAppSyncTemplate, type TemplateOutcome } from './vtl.js';

/** What runs a field's resolver: the data sources' services, the clock, and the request's auth type for `$util.authType()`. */
export interface ResolverEnvironment {
  readonly services: DataSourceServices;
  readonly now: () => number;
  readonly authType: string;
  /** A subscription resolver's: where its response handler's `extensions.setSubscriptionFilter` puts the filter. */
  readonly setSubscriptionFilter?: (filter: SubscriptionFilter) => void;
}

/** A resolver's value for its field and the errors it appended (`$util.appendError`). */
export interface ResolverOutcome {
  readonly value: unknown;
  readonly errors: readonly AppendedError[];
}

/** Runs one handler of a resolver or function: its VTL template, or its APPSYNC_JS code; undefined when it has neither. */
function runHandler(
  code: ResolverCode,
  handler: 'request' | 'response',
  ctx: AppSyncJsContext,
  env: ResolverEnvironment,
): TemplateOutcome | undefined {
  // Only a response handler sets a subscription filter, as AppSync's extensions say.
  const filterSink = handler === 'response' ? env.setSubscriptionFilter : undefined;
  const options = { now: env.now, authType: env.authType, ...(filterSink ? { setSubscriptionFilter: filterSink } : {}) };
  if (code.code !== undefined) return evaluateAppSyncJs(code.code, handler, ctx, options);
  const template = handler === 'request' ? code.request : code.response;
  if (template === undefined) return undefined;
  return renderAppSyncTemplate(template, ctx, options);
}

/**
 * One step that reaches a data source (a unit resolver, a pipeline function): its request
 * handler, the data source (unless the request returned early), its response handler with
 * `$ctx.result` (and `$ctx.error` when the data source failed).
 */
async function runStep(
  api: GraphqlApiDefinition,
  step: ResolverCode & { readonly dataSourceName?: string },
  ctx: AppSyncJsContext,
  env: ResolverEnvironment,
  errors: AppendedError[],
): Promise<unknown> {
  const source = step.dataSourceName === undefined ? undefined : api.dataSources.get(step.dataSourceName);
  if (source === undefined) {
    throw new AppSyncResolverError(
      `data source ${JSON.stringify(step.dataSourceName)} is none of the API's data sources`,
      'MappingTemplate',
    );
  }
  const request = runHandler(step, 'request', ctx, env);
  if (request) errors.push(...request.errors);
  if (request?.earlyReturn) return request.value;
  let dataSourceError: AppSyncResolverError | undefined;
  try {
    ctx.result = await callDataSource(env.services, source, request?.value, ctx);
    ctx.error = null;
  } catch (error) {
    if (!(error instanceof AppSyncResolverError)) throw error;
    dataSourceError = error;
    ctx.result = null;
    ctx.error = { message: error.message, type: error.errorType ?? 'Unknown' };
  }
  const response = runHandler(step, 'response', ctx, env);
  if (response) errors.push(...response.errors);
  // A response that did not raise the data source's error itself: AppSync raises it all the
  // same for VTL templates of version 2017-02-28 and for direct Lambda resolvers (no template).
  // APPSYNC_JS code has no version: its response sees ctx.error and decides, as 2018-05-29 templates do.
  if (dataSourceError && (response === undefined || (step.code === undefined && raisesByVersion(request?.value)))) throw dataSourceError;
  return response === undefined ? ctx.result : response.value;
}

/** A VTL request of version 2017-02-28, or one naming none, has AppSync raise its data source's error itself. */
function raisesByVersion(request: unknown): boolean {
  const version = (request as { version?: unknown } | null | undefined)?.version;
  return version === undefined || version === '2017-02-28';
}

/** Runs a field's resolver, unit or pipeline (before, each function with `$ctx.prev.result`, after), on `ctx`. */
export async function runResolver(
  api: GraphqlApiDefinition,
  resolver: ResolverDefinition,
  ctx: AppSyncJsContext,
  env: ResolverEnvironment,
): Promise<ResolverOutcome> {
  const errors: AppendedError[] = [];
  if (resolver.kind === 'UNIT') return { value: await runStep(api, resolver, ctx, env, errors), errors };
  const before = runHandler(resolver, 'request', ctx, env);
  if (before) errors.push(...before.errors);
  if (before?.earlyReturn) return { value: before.value, errors };
  ctx.prev = { result: before?.value ?? null };
  for (const id of resolver.functionIds) {
    const fn = api.functions.get(id);
    if (fn === undefined) {
      throw new AppSyncResolverError(
        `the pipeline of ${resolver.typeName}.${resolver.fieldName} names function ${id}, which the API has not`,
        'MappingTemplate',
      );
    }
    ctx.prev = { result: await runStep(api, fn, ctx, env, errors) };
  }
  ctx.result = ctx.prev.result;
  const after = runHandler(resolver, 'response', ctx, env);
  if (after) errors.push(...after.errors);
  return { value: after === undefined ? ctx.prev.result : after.value, errors };
}
