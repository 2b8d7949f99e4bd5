import { type OtlpTracesData, READ_API_PATHS, READ_API_PREFIX } from '../clients/read-api-contract.js';
import { type SpanNode, spansOf } from '../clients/span-tree.js';
import { listed, poll, TestAppError, type WaitOptions } from './poll.js';

export type { SpanNode } from '../clients/span-tree.js';

/**
 * Which span to wait for: one with this name (a string, or a pattern) and, if given, these
 * attributes (each equal, or matching a pattern); or a test of each span.
 */
export type SpanSelector =
  | {
      /** The span's name, equal or matching. @default - any name */
      readonly name?: string | RegExp;
      /** Attributes the span has, each equal or matching. @default - any attributes */
      readonly attributes?: Readonly<Record<string, unknown>>;
    }
  | ((span: SpanNode) => boolean);

/**
 * The spans of the traces `id` names (the read API's `/traces/<id>`: a trace id, or an event,
 * message, invocation, execution or business key, with the traces linked to them), flat, in
 * start order, each with its parent's id and its resource; none when the runtime kept none.
 */
export async function traces(app: { readonly endpoint: string }, id: string): Promise<SpanNode[]> {
  const response = await fetch(`${app.endpoint}${READ_API_PREFIX}${READ_API_PATHS.traces}${encodeURIComponent(id)}`);
  if (response.status === 404) return [];
  if (!response.ok) throw new TestAppError(`the read API answered ${response.status}: ${await response.text()}`);
  return spansOf((await response.json()) as OtlpTracesData);
}

function matches(expected: unknown, actual: unknown): boolean {
  if (expected instanceof RegExp) return typeof actual === 'string' && expected.test(actual);
  if (Array.isArray(expected))
    return Array.isArray(actual) && expected.length === actual.length && expected.every((e, i) => matches(e, actual[i]));
  return expected === actual;
}

function accepts(selector: SpanSelector, span: SpanNode): boolean {
  if (typeof selector === 'function') return selector(span);
  if (selector.name !== undefined && !matches(selector.name, span.name)) return false;
  return Object.entries(selector.attributes ?? {}).every(([key, value]) => matches(value, span.attributes[key]));
}

/**
 * Waits until the traces `id` names hold a span the selector accepts (a runtime's services'
 * span, a function's, or one the test's own SDK sent), and resolves with it; on a timeout it
 * names the spans there are.
 */
export async function waitForSpan(
  app: { readonly endpoint: string },
  id: string,
  selector: SpanSelector,
  options: WaitOptions = {},
): Promise<SpanNode> {
  const what =
    typeof selector === 'function'
      ? `a span the test accepts in the traces of ${id}`
      : `a span${selector.name === undefined ? '' : ` named ${String(selector.name)}`}${selector.attributes ? ` with ${JSON.stringify(selector.attributes)}` : ''} in the traces of ${id}`;
  return poll(
    async () => (await traces(app, id)).find((span) => accepts(selector, span)),
    what,
    async () =>
      listed(
        (await traces(app, id)).map((span) => span.name),
        20,
        'no span',
      ),
    options,
  );
}
