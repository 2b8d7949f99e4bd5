import { MappingTemplateError, parsedTemplate, renderVelocity } from '../apigateway/vtl/engine.js';
import { type AppendedError, AppSyncResolverError } from './errors.js';
import type { AppSyncJsContext } from './resolvers/appsync-js.js';
import { checkSubscriptionFilter, type SubscriptionFilter, toSubscriptionFilter } from './subscription-filters.js';
import { appSyncUtil } from './vtl-util.js';

/** What a template gave: its value (its JSON output parsed, or what `#return` returned), whether it returned early, the errors it appended. */
export interface TemplateOutcome {
  readonly value: unknown;
  readonly earlyReturn: boolean;
  readonly errors: readonly AppendedError[];
}

/**
 * Renders an AppSync VTL mapping template with `$ctx`/`$context` and `$util`/`$utils` on the
 * one VTL engine (local/apigateway/vtl/engine.ts), and reads its output as AppSync does: JSON.
 * `$util.error` throws AppSyncResolverError; a template that does not parse or render, or
 * writes no JSON, throws one of errorType `MappingTemplate`.
 * (https://docs.aws.amazon.com/appsync/latest/devguide/resolver-context-reference.html)
 */
export function renderAppSyncTemplate(
  template: string,
  ctx: AppSyncJsContext,
  options: {
    readonly now: () => number;
    readonly authType: string;
    /** A subscription resolver's response template's: where `$extensions.setSubscriptionFilter` puts the filter. */
    readonly setSubscriptionFilter?: (filter: SubscriptionFilter) => void;
  },
): TemplateOutcome {
  const errors: AppendedError[] = [];
  const raised: { error?: AppSyncResolverError } = {};
  // velocityjs rewrites what a method throws: each helper leaves its error in `raised` for the renderer to rethrow.
  const raising =
    <A extends unknown[], R>(work: (...args: A) => R) =>
    (...args: A): R => {
      try {
        return work(...args);
      } catch (error) {
        if (error instanceof AppSyncResolverError) raised.error = error;
        throw error;
      }
    };
  const base = appSyncUtil({ now: options.now, authType: options.authType, errors, raised });
  const util = { ...base, transform: { toSubscriptionFilter: raising(toSubscriptionFilter) } };
  const extensions = {
    evictFromApiCache: () => '', // no API cache runs locally: nothing to evict
    setSubscriptionFilter: raising((filter: unknown) => {
      if (options.setSubscriptionFilter === undefined) {
        throw new AppSyncResolverError(
          "$extensions.setSubscriptionFilter works only in a subscription resolver's response mapping template",
          'MappingTemplate',
        );
      }
      options.setSubscriptionFilter(checkSubscriptionFilter(JSON.parse(JSON.stringify(filter ?? null))));
      return '';
    }),
  };
  let rendered: ReturnType<typeof renderVelocity>;
  try {
    rendered = renderVelocity(parsedTemplate(template, 'appsync'), { ctx, context: ctx, util, utils: util, extensions }, 'appsync');
  } catch (error) {
    if (raised.error) throw raised.error;
    if (error instanceof MappingTemplateError)
      throw new AppSyncResolverError(error.message, 'MappingTemplate', null, null, { cause: error });
    throw error;
  }
  if (rendered.returned) return { value: rendered.returned.value ?? null, earlyReturn: true, errors };
  const text = rendered.output.trim();
  if (text === '') return { value: null, earlyReturn: false, errors };
  try {
    return { value: JSON.parse(text), earlyReturn: false, errors };
  } catch (error) {
    throw new AppSyncResolverError(
      `Unable to parse the JSON document: ${(error as Error).message} (the template wrote ${JSON.stringify(text.slice(0, 200))})`,
      'MappingTemplate',
      null,
      null,
      { cause: error },
    );
  }
}
