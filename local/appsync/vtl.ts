import { MappingTemplateError, parsedTemplate, renderVelocity } from '../apigateway/vtl/engine.js';
import { type AppendedError, AppSyncResolverError } from './errors.js';
import type { AppSyncJsContext } from './resolvers/appsync-js.js';
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
  options: { readonly now: () => number; readonly authType: string },
): TemplateOutcome {
  const errors: AppendedError[] = [];
  const raised: { error?: AppSyncResolverError } = {};
  const util = appSyncUtil({ ...options, errors, raised });
  let rendered: ReturnType<typeof renderVelocity>;
  try {
    rendered = renderVelocity(parsedTemplate(template, 'appsync'), { ctx, context: ctx, util, utils: util }, 'appsync');
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
