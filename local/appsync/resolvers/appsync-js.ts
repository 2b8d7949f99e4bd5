/**
 * The APPSYNC_JS evaluator's seam. Its evaluator is written separately and replaces this file;
 * until then a resolver or function of Runtime APPSYNC_JS fails with AppSyncJsNotAvailable,
 * which its field reports as an error (docs/local-runtime/appsync.md).
 */
export interface AppSyncJsContext {
  arguments: Record<string, unknown>;
  args: Record<string, unknown>;
  source: unknown;
  identity: unknown;
  stash: Record<string, unknown>;
  prev: { result: unknown };
  request: { headers: Record<string, string>; domainName: string | null };
  info: {
    fieldName: string;
    parentTypeName: string;
    variables: Record<string, unknown>;
    selectionSetList: string[];
    selectionSetGraphQL: string;
  };
  result?: unknown;
  error?: { message: string; type: string } | null;
}

export interface AppSyncJsOutcome {
  readonly value: unknown;
  readonly errors: ReadonlyArray<{ message: string; errorType?: string; data?: unknown; errorInfo?: unknown }>;
  readonly earlyReturn: boolean;
}

/** No APPSYNC_JS evaluator in this build. */
export class AppSyncJsNotAvailable extends Error {
  override readonly name = 'AppSyncJsNotAvailable';
}

/** Runs `handler` ('request' | 'response') of the APPSYNC_JS module `code` on ctx (ctx.stash mutated in place). Throws AppSyncResolverError (name 'AppSyncResolverError', with errorType/data/errorInfo) for util.error. */
export function evaluateAppSyncJs(_code: string, handler: 'request' | 'response', ctx: AppSyncJsContext): AppSyncJsOutcome {
  throw new AppSyncJsNotAvailable(
    `the APPSYNC_JS ${handler} handler of ${ctx.info.parentTypeName}.${ctx.info.fieldName} cannot run: this build has no APPSYNC_JS evaluator (VTL resolvers run)`,
  );
}
