import type Handlebars from 'handlebars';
import { AwsError } from '../endpoint/aws-error.js';
import { onFirstUse } from '../startup/on-first-use.js';

/**
 * SES's template rendering: Handlebars (SES's "advanced email personalization" supports its
 * nested attributes, `{{#each}}`, `{{#if}}`/`{{#unless}}` and inline partials), with values
 * HTML-escaped unless written `{{{triple}}}`, as Handlebars does. A plain `{{name}}` whose
 * value the data lacks is SES's rendering failure ("Attribute 'name' is not present in the
 * rendering data."), and so is one whose value is null (SES does not send such mail either);
 * a name only tested (`{{#if name}}`) or iterated may be missing.
 */

/** The parts of a template, as both APIs give them (v1 `SubjectPart`, v2 `Subject`). */
export interface TemplateParts {
  readonly subject?: string;
  readonly html?: string;
  readonly text?: string;
}

export interface RenderedParts {
  readonly subject: string;
  readonly html?: string;
  readonly text?: string;
}

/** A template could not be rendered: the data lacks an attribute, or the template is not valid Handlebars. */
export class RenderingFailure extends Error {
  override readonly name = 'RenderingFailure';
  constructor(
    /** `MissingRenderingAttribute` or `InvalidTemplate`: the v1 error TestRenderTemplate answers with. */
    readonly code: 'MissingRenderingAttribute' | 'InvalidTemplate',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The template data could not be read as a JSON object. */
export class InvalidTemplateData extends AwsError {
  override readonly name = 'InvalidTemplateData';
  constructor(message: string, options?: ErrorOptions) {
    super('InvalidRenderingParameter', message, 400, options);
  }
}

/** Handlebars, loaded at the first template rendered (it is not loaded with the runtime: a start loads no SES template). */
const handlebarsPackage = onFirstUse<typeof Handlebars>('handlebars');

/** A Handlebars environment of SES's own (no helpers or partials registered from elsewhere leak in), made at its first use. */
let environment: typeof Handlebars | undefined;
const handlebars = () => {
  environment ??= handlebarsPackage().create();
  return environment;
};

/** Reads template data as SES does: a JSON object. */
export function parseTemplateData(data: string | undefined): Record<string, unknown> {
  if (data === undefined || data.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (error) {
    throw new InvalidTemplateData('Template rendering data is invalid', { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidTemplateData('Template rendering data is invalid');
  }
  return parsed as Record<string, unknown>;
}

/** Renders each part the template has; throws RenderingFailure for a missing attribute or an invalid template. */
export function renderTemplate(templateName: string, parts: TemplateParts, data: Record<string, unknown>): RenderedParts {
  return {
    subject: renderPart(templateName, parts.subject ?? '', data),
    ...(parts.html === undefined ? {} : { html: renderPart(templateName, parts.html, data) }),
    ...(parts.text === undefined ? {} : { text: renderPart(templateName, parts.text, data) }),
  };
}

function renderPart(templateName: string, source: string, data: Record<string, unknown>): string {
  let compiled: HandlebarsTemplateDelegate;
  try {
    compiled = handlebars().compile(source, { strict: true });
  } catch (error) {
    throw new RenderingFailure('InvalidTemplate', `Template ${templateName} is invalid: ${(error as Error).message}`, { cause: error });
  }
  try {
    return compiled(withoutNulls(data));
  } catch (error) {
    const message = (error as Error).message;
    const missing = /^"([^"]+)" not defined in .* - (\d+):(\d+)$/.exec(message);
    if (missing !== null) {
      const attribute = pathAt(source, Number(missing[2]), Number(missing[3])) ?? missing[1];
      throw new RenderingFailure('MissingRenderingAttribute', `Attribute '${attribute}' is not present in the rendering data.`, {
        cause: error,
      });
    }
    // Compilation is lazy: a syntax error may first show when the template runs.
    throw new RenderingFailure('InvalidTemplate', `Template ${templateName} is invalid: ${message}`, { cause: error });
  }
}

/** The dotted path Handlebars reports a missing name at (`user.name`, where it names only `name`), from its line and column. */
function pathAt(source: string, line: number, column: number): string | undefined {
  const text = source.split('\n')[line - 1]?.slice(column);
  return text === undefined ? undefined : /^[\w@$-]+(?:[./][\w@$-]+)*/.exec(text)?.[0];
}

/** The data with null members left out, so that strict rendering finds a null value missing, as SES does. */
function withoutNulls(value: unknown): Record<string, unknown> {
  const strip = (item: unknown, depth: number): unknown => {
    if (depth > 64 || typeof item !== 'object' || item === null) return item;
    if (Array.isArray(item)) return item.map((element) => strip(element, depth + 1));
    return Object.fromEntries(
      Object.entries(item)
        .filter(([, member]) => member !== null)
        .map(([key, member]) => [key, strip(member, depth + 1)]),
    );
  };
  return strip(value, 0) as Record<string, unknown>;
}
