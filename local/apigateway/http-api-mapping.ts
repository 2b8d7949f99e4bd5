/**
 * HTTP APIs' parameter mapping values, as an AWS service integration's `RequestParameters`
 * and an authorizer's identity sources use them: `$request.header.name`,
 * `$request.querystring.name`, `$request.path.name`, `$request.body.a.b` (JSON), `$request.body`,
 * `$context.x`, `$stageVariables.x`, a literal, or a literal with `${request.body.x}`-style
 * references inside it.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html
 */

/** What a mapping value can reach of the request. */
export interface MappingSource {
  /** Lower-case names, values as received. */
  readonly headers: Readonly<Record<string, readonly string[] | undefined>>;
  readonly rawQueryString: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** `$context.*`, nested (`identity.sourceIp`, `authorizer.claims.sub`). */
  readonly context: Readonly<Record<string, unknown>>;
  readonly stageVariables: Readonly<Record<string, string>>;
}

/**
 * A mapping value names something the request does not have (a header, a body field), or
 * reads a body that is not JSON: API Gateway answers 400 `{"message":"Bad Request"}`.
 */
export class MappingError extends Error {
  override readonly name = 'MappingError';
}

const WHOLE = /^\$(request\.(?:header|querystring|path)\.[^\s$]+|request\.body(?:\.[^\s$]+)?|context\.[\w.]+|stageVariables\.\w+)$/;
const EMBEDDED = /\$\{(request\.(?:header|querystring|path)\.[^}]+|request\.body(?:\.[^}]+)?|context\.[\w.]+|stageVariables\.\w+)\}/g;

/** The value a mapping expression gives for the request; throws MappingError for what is missing. */
export function evaluateMapping(expression: string, source: MappingSource): string {
  const whole = WHOLE.exec(expression);
  if (whole) return lookup(whole[1] as string, source);
  return expression.replace(EMBEDDED, (_, reference: string) => lookup(reference, source));
}

/** The value, or undefined when the request lacks it or it is empty (an identity source that is absent). */
export function optionalMapping(expression: string, source: MappingSource): string | undefined {
  try {
    const value = evaluateMapping(expression, source);
    return value === '' ? undefined : value;
  } catch (error) {
    if (error instanceof MappingError) return undefined;
    throw error;
  }
}

function lookup(reference: string, source: MappingSource): string {
  const [kind, ...rest] = reference.split('.');
  const name = rest.join('.');
  const missing = () => new MappingError(`the request has no ${reference}`);
  if (kind === 'request') {
    const part = rest[0];
    const key = rest.slice(1).join('.');
    if (part === 'header') {
      const values = source.headers[key.toLowerCase()];
      if (values === undefined || values.length === 0) throw missing();
      return values.join(',');
    }
    if (part === 'querystring') {
      const values = queryValues(source.rawQueryString, key);
      if (values.length === 0) throw missing();
      return values.join(',');
    }
    if (part === 'path') {
      const value = source.pathParameters[key];
      if (value === undefined) throw missing();
      return value;
    }
    if (part === 'body') return bodyValue(source.body, key, reference);
  }
  const root = kind === 'context' ? source.context : kind === 'stageVariables' ? source.stageVariables : undefined;
  const value = root === undefined ? undefined : pathValue(root, name.split('.'));
  if (value === undefined || value === null) throw missing();
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function bodyValue(body: Buffer, path: string, reference: string): string {
  const text = body.toString('utf8');
  if (path === '') return text;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MappingError(`${reference} reads the body as JSON, and it is not JSON`, { cause: error });
  }
  const value = pathValue(
    json,
    path.split(/\.|\[(\d+)\]/).filter((part) => part !== undefined && part !== ''),
  );
  if (value === undefined || value === null) throw new MappingError(`the request has no ${reference}`);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function pathValue(root: unknown, parts: readonly string[]): unknown {
  let value: unknown = root;
  for (const part of parts) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function queryValues(raw: string, name: string): string[] {
  if (raw === '') return [];
  return [...new URLSearchParams(raw)].filter(([key]) => key === name).map(([, value]) => value);
}
