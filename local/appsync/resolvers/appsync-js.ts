import type { AppendedError } from '../errors.js';
import { checkSubscriptionFilter, type SubscriptionFilter } from '../subscription-filters.js';
import { codeError } from './code-errors.js';
import { dynamodbModule } from './dynamodb-helpers.js';
import { loadModule, runCode } from './module-loading.js';
import { appSyncJsUtil } from './util.js';

export { AppSyncResolverError } from '../errors.js';

/** The `ctx` an APPSYNC_JS handler gets (https://docs.aws.amazon.com/appsync/latest/devguide/resolver-context-reference-js.html). */
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

/** What a handler answered: its value, the errors it appended, and whether it returned early (`runtime.earlyReturn`). */
export interface AppSyncJsOutcome {
  readonly value: unknown;
  readonly errors: ReadonlyArray<{ message: string; errorType?: string; data?: unknown; errorInfo?: unknown }>;
  readonly earlyReturn: boolean;
}

/** What the runtime lends an evaluation. */
export interface AppSyncJsOptions {
  /** The clock `util.time`, `util.autoUlid` and `util.autoKsuid` read (the runtime's, so virtual time moves them). @default Date.now */
  readonly now?: () => number;
  /** What `util.authType()` answers: the mode that let the request in. @default 'API Key Authorization' */
  readonly authType?: string;
  /** Where `util.http.addResponseHeader(s)` puts a header of the GraphQL response. @default none: the call fails, naming itself */
  readonly addResponseHeader?: (name: string, value: string) => void;
  /** Where the code's `console.log` and friends write (AWS writes them to the API's log group). @default nothing: dropped */
  readonly log?: (level: string, text: string) => void;
  /** A subscription resolver's response handler's: where `extensions.setSubscriptionFilter` puts the filter. @default none: the call fails, naming where it works */
  readonly setSubscriptionFilter?: (filter: SubscriptionFilter) => void;
}

/** `runtime.earlyReturn`'s signal: a host object the code cannot forge, caught by the evaluation that raised it. */
class EarlyReturn {
  constructor(readonly value: unknown) {}
}

/**
 * Runs `handler` ('request' | 'response') of the APPSYNC_JS module `code` on ctx (ctx.stash
 * mutated in place). Throws AppSyncResolverError (name 'AppSyncResolverError', with
 * errorType/data/errorInfo) for util.error, and with errorType `Code` when the code fails.
 */
export function evaluateAppSyncJs(
  code: string,
  handler: 'request' | 'response',
  ctx: AppSyncJsContext,
  options: AppSyncJsOptions = {},
): AppSyncJsOutcome {
  const errors: AppendedError[] = [];
  const util = appSyncJsUtil({
    now: options.now ?? Date.now,
    authType: options.authType ?? 'API Key Authorization',
    errors,
    ...(options.addResponseHeader === undefined ? {} : { addResponseHeader: options.addResponseHeader }),
  });
  const where = `the APPSYNC_JS ${handler} handler of ${ctx.info.parentTypeName}.${ctx.info.fieldName}`;
  const exports = loadModule(code, builtInModules(util, options.setSubscriptionFilter), consoleOf(options.log));
  const run = exports[handler];
  if (typeof run !== 'function') {
    throw codeError(
      `${where} is missing: the code exports ${Object.keys(exports).join(', ') || 'nothing'}, and APPSYNC_JS calls export function ${handler}(ctx)`,
    );
  }
  try {
    const value = runCode(
      () => run(ctx),
      (error) => error instanceof EarlyReturn,
    );
    if (typeof (value as { then?: unknown } | null)?.then === 'function') {
      throw codeError(`${where} returned a Promise: APPSYNC_JS handlers are synchronous (no async functions or Promises)`);
    }
    return { value: plain(value), errors, earlyReturn: false };
  } catch (error) {
    if (error instanceof EarlyReturn) return { value: plain(error.value), errors, earlyReturn: true };
    throw error;
  }
}

/** What `import ... from '@aws-appsync/utils'` and its sub-paths resolve to in the code. */
function builtInModules(util: ReturnType<typeof appSyncJsUtil>, setSubscriptionFilter: AppSyncJsOptions['setSubscriptionFilter']) {
  const runtime = {
    earlyReturn(value?: unknown): never {
      throw new EarlyReturn(value ?? null);
    },
  };
  const extensions = {
    evictFromApiCache: () => undefined, // no API cache runs locally: nothing to evict
    setSubscriptionFilter: (filter: unknown) => {
      if (setSubscriptionFilter === undefined) {
        throw codeError("extensions.setSubscriptionFilter works only in a subscription resolver's response handler");
      }
      setSubscriptionFilter(checkSubscriptionFilter(plain(filter)));
    },
    setSubscriptionInvalidationFilter: notLocal('extensions.setSubscriptionInvalidationFilter'),
    invalidateSubscriptions: notLocal('extensions.invalidateSubscriptions'),
  };
  return {
    '@aws-appsync/utils': () => ({ util, runtime, extensions }),
    '@aws-appsync/utils/dynamodb': () => dynamodbModule,
    // Bedrock Runtime's request helpers: the request objects, as the data source takes them.
    '@aws-appsync/utils/ai': () => ({
      invokeModel: (props: object) => ({ operation: 'InvokeModel', ...props }),
      converse: (props: object) => ({ operation: 'Converse', ...props }),
    }),
    '@aws-appsync/utils/rds': () => {
      throw codeError(
        'the APPSYNC_JS code imports @aws-appsync/utils/rds: RDS (Aurora Data API) data sources and their helpers do not run in the local runtime',
      );
    },
  };
}

function notLocal(what: string) {
  return (): never => {
    throw codeError(`${what}: subscription invalidation is not supported by the local runtime (setSubscriptionFilter is)`);
  };
}

function consoleOf(log: AppSyncJsOptions['log']) {
  const write =
    (level: string) =>
    (...parts: unknown[]) =>
      log?.(level, parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' '));
  return { log: write('INFO'), info: write('INFO'), debug: write('DEBUG'), warn: write('WARN'), error: write('ERROR') };
}

/**
 * The handler's answer as AppSync carries it on (to the data source, to the field): JSON, so
 * undefined fields drop out and the value belongs to the host's realm, not the code's context.
 */
function plain(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as unknown;
}
