import { Compile, parse } from 'velocityjs';
import { type RequestParameters, vtlInput } from './input.js';
import { stringOf, vtlUtil } from './util.js';

/** A mapping template that does not parse or fails while it renders; API Gateway answers 500 for it. */
export class MappingTemplateError extends Error {
  override readonly name = 'MappingTemplateError';
}

/**
 * What API Gateway's `$context` overrides a template may set: in a response template the
 * status and headers (`#set($context.responseOverride.status = 400)`), in a request template
 * the integration request's headers, path and query string parameters
 * (`$context.requestOverride.header.X`).
 */
export interface ContextOverrides {
  readonly status?: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly request: {
    readonly header: Readonly<Record<string, string>>;
    readonly path: Readonly<Record<string, string>>;
    readonly querystring: Readonly<Record<string, string>>;
  };
}

/** The variables one template sees. */
export interface TemplateVariables {
  /** The payload `$input` maps: the method request's body, or the integration's answer. */
  readonly body: string;
  readonly parameters: RequestParameters;
  /** `$context` (requestId, httpMethod, resourcePath, stage, identity.sourceIp, ...). */
  readonly context: Readonly<Record<string, unknown>>;
  readonly stageVariables: Readonly<Record<string, string>>;
}

/** Parsed templates by text: an API's few templates are parsed once, not on every request. */
const parsed = new Map<string, ReturnType<typeof parse>>();
const MAX_CACHED = 500;

/**
 * Renders an API Gateway mapping template (Velocity, on velocityjs) with API Gateway's
 * `$input`, `$util`, `$context` and `$stageVariables`. Undefined references render empty, as
 * API Gateway renders a null (`$context.identity.apiKey` without an API key) rather than
 * Velocity's literal `$name`.
 */
export function renderTemplate(template: string, variables: TemplateVariables): { output: string; overrides: ContextOverrides } {
  const ast = parsedTemplate(template);
  const responseOverride: { status?: unknown; header: Record<string, unknown> } = { header: {} };
  const requestOverride: Record<'header' | 'path' | 'querystring', Record<string, unknown>> = { header: {}, path: {}, querystring: {} };
  const context = { ...structuredClone(variables.context), responseOverride, requestOverride };
  const { output } = renderVelocity(ast, {
    input: vtlInput(variables.body, variables.parameters),
    util: vtlUtil,
    context,
    stageVariables: { ...variables.stageVariables },
  });
  const status = Number(responseOverride.status);
  const strings = (values: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(values).map(([name, value]) => [name, stringOf(value)]));
  const request = {
    header: strings(requestOverride.header),
    path: strings(requestOverride.path),
    querystring: strings(requestOverride.querystring),
  };
  return {
    output,
    overrides: { ...(Number.isInteger(status) && status > 0 ? { status } : {}), headers: strings(responseOverride.header), request },
  };
}

/** velocityjs's compiler with a way to end the template from a macro (`#stop` is its own, for `#return`). */
class StoppableCompile extends Compile {
  stop(): void {
    this.runState.stop = true;
  }
}

/** What a Velocity template rendered, and the value its `#return` gave (AppSync's), if it ran one. */
export interface VelocityOutcome {
  readonly output: string;
  readonly returned?: { readonly value: unknown };
}

/**
 * Renders a parsed template with the variables given, with Java's String methods and
 * AppSync's `#return` / `#return($value)` (which ends the template). The one renderer of both
 * services' templates: API Gateway's variables are renderTemplate's, AppSync's local/appsync/vtl.ts's.
 */
export function renderVelocity(
  ast: ReturnType<typeof parse>,
  variables: Record<string, unknown>,
  dialect: VtlDialect = 'apigateway',
): VelocityOutcome {
  const compiled = new StoppableCompile(ast, { escape: false, customMethodHandlers: JAVA_STRING_METHODS });
  let returned: { value: unknown } | undefined;
  // API Gateway's Velocity has no `#return`: there the macro is not defined, and the text stays as written.
  const macros =
    dialect === 'appsync'
      ? {
          return(...args: unknown[]) {
            returned = { value: args[0] };
            compiled.stop();
            return '';
          },
        }
      : undefined;
  try {
    const output = compiled.render(variables, macros, true);
    return { output, ...(returned ? { returned } : {}) };
  } catch (error) {
    throw new MappingTemplateError(`the mapping template failed: ${(error as Error).message}`, { cause: error });
  }
}

/** Whose templates: AppSync's add `#return`. */
export type VtlDialect = 'apigateway' | 'appsync';

/** Parses a template (cached), or throws MappingTemplateError with the parser's message. */
export function parsedTemplate(template: string, dialect: VtlDialect = 'apigateway'): ReturnType<typeof parse> {
  const cacheKey = `${dialect}:${template}`;
  const cached = parsed.get(cacheKey);
  if (cached) return cached;
  let ast: ReturnType<typeof parse>;
  try {
    // `#return` without an argument is no macro call to velocityjs: AppSync's are written as one with none.
    const text =
      dialect === 'appsync' ? template.replace(/#return(?![\w(])/g, '#return()').replace(/#\{return\}(?!\()/g, '#return()') : template;
    ast = parse(text);
  } catch (error) {
    throw new MappingTemplateError(`the mapping template does not parse: ${(error as Error).message}`, { cause: error });
  }
  if (parsed.size >= MAX_CACHED) parsed.clear();
  parsed.set(cacheKey, ast);
  return ast;
}

type MethodPayload = { property: string; context: unknown; params: unknown[] };

/**
 * Java's String methods templates call that JavaScript's strings lack or read differently:
 * `replaceAll`/`replaceFirst`/`matches` take a regular expression, `length()` is a method,
 * `equals`, `isEmpty`, `contains`. (JavaScript's own `replaceAll` takes a literal string.)
 */
const JAVA_STRING_METHODS = [
  stringMethod('replaceAll', (s, [regex, replacement]) => s.replace(javaRegex(regex, 'g'), javaReplacement(replacement))),
  stringMethod('replaceFirst', (s, [regex, replacement]) => s.replace(javaRegex(regex, ''), javaReplacement(replacement))),
  stringMethod('matches', (s, [regex]) => javaRegex(`^(?:${stringOf(regex)})$`, '').test(s)),
  stringMethod('length', (s) => s.length),
  stringMethod('equals', (s, [other]) => s === other),
  stringMethod('equalsIgnoreCase', (s, [other]) => s.toLowerCase() === stringOf(other).toLowerCase()),
  stringMethod('isEmpty', (s) => s.length === 0),
  stringMethod('contains', (s, [part]) => s.includes(stringOf(part))),
];

function stringMethod(name: string, resolve: (s: string, params: unknown[]) => unknown) {
  return {
    uid: `java: String.${name}`,
    match: ({ property, context }: MethodPayload) => property === name && typeof context === 'string',
    resolve: ({ context, params }: MethodPayload) => resolve(context as string, params),
  };
}

function javaRegex(pattern: unknown, flags: string): RegExp {
  try {
    return new RegExp(stringOf(pattern), flags);
  } catch (error) {
    throw new MappingTemplateError(`the regular expression ${stringOf(pattern)} is not valid`, { cause: error });
  }
}

/** Java writes a group as `$1` too; its `\$` is a literal dollar, JavaScript's `$$`. */
function javaReplacement(replacement: unknown): string {
  return stringOf(replacement)
    .replace(/\$\$/g, '$$$$')
    .replace(/\\(.)/g, (_, c: string) => (c === '$' ? '$$' : c));
}
