/**
 * The non-proxy integrations of a REST API method, as the template declares them: `AWS`
 * service integrations (`arn:aws:apigateway:{region}:{service}:action/{Action}` or
 * `...:path/{path}`) and Lambda custom integrations (`AWS` with a Lambda invocation URI), with
 * their request templates, passthrough behaviour, parameter mappings and integration responses.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-apigateway-method-integration.html
 */

export type PassthroughBehavior = 'WHEN_NO_MATCH' | 'WHEN_NO_TEMPLATES' | 'NEVER';

export interface IntegrationResponseDefinition {
  /** A regular expression matched against the whole selector (a status code, a Lambda error message); undefined for the default. */
  readonly selectionPattern?: string;
  readonly statusCode: number;
  /** `method.response.header.X` -> `'literal'`, `integration.response.header.Y`, `integration.response.body[.path]`, ... */
  readonly responseParameters: Readonly<Record<string, string>>;
  /** Templates by content type. */
  readonly responseTemplates: Readonly<Record<string, string>>;
}

/** What a non-proxy integration maps on the way in and out. */
export interface MappedIntegration {
  readonly requestTemplates: Readonly<Record<string, string>>;
  readonly passthroughBehavior: PassthroughBehavior;
  /** `integration.request.{header|querystring|path}.X` -> `method.request.*`, `'literal'`, `stageVariables.X`, `context.X`. */
  readonly requestParameters: Readonly<Record<string, string>>;
  readonly responses: readonly IntegrationResponseDefinition[];
  readonly timeoutMs: number;
}

/**
 * Where an `AWS` integration sends its request, read from its URI
 * `arn:aws:apigateway:{region}:{subdomain.service|service}:path|action/{service_api}`: `action/`
 * names an action and its parameters as a query string (`action/Publish&TopicArn=...`, as CDK's
 * `actionParameters` write it), `path/` a path to a resource of the service, which may end in a
 * query string (`path//?Action=Publish`).
 * https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html (`uri`)
 */
export interface AwsServiceTarget {
  /** `sqs`, `states`, `events`, `dynamodb`, `sns`, `s3`, ... (the URI's service, without a subdomain). */
  readonly service: string;
  /** What precedes the service in the host (`{bucket}` of S3's virtual-hosted style), `{name}` placeholders included. */
  readonly subdomain?: string;
  readonly region: string;
  readonly action?: string;
  /** What follows `path/` up to its query string, `{name}` placeholders included. */
  readonly path?: string;
  /** The action's parameters, or the path's query string, URL-decoded, `{name}` placeholders included. */
  readonly query?: Readonly<Record<string, string>>;
  /** The integration's HTTP method (`IntegrationHttpMethod`). */
  readonly httpMethod: string;
  /**
   * The integration's execution role (a REST integration's `Credentials`, an HTTP API's
   * `CredentialsArn`): the call is signed as its session, so IAM allows or refuses it as AWS
   * does. Undefined: the runtime's own credentials (the account's administrator).
   */
  readonly roleArn?: string;
}

/**
 * The role an integration's `Credentials` names, if it names one: `arn:aws:iam::*:user/*`
 * (the caller's own credentials passed through) names none, and a local caller is the
 * account's administrator.
 */
export function integrationRoleOf(credentials: unknown): { roleArn?: string } {
  return typeof credentials === 'string' && /^arn:aws[\w-]*:iam::\d{12}:role\//.test(credentials) ? { roleArn: credentials } : {};
}

type Props = Record<string, unknown>;

/** The service target of an `AWS` integration's URI, or undefined for a URI of another form. */
export function awsTargetOf(uri: string, httpMethod: string): AwsServiceTarget | undefined {
  const match = /^arn:aws[\w-]*:apigateway:([^:]*):([^:]+):(action|path)\/(.*)$/s.exec(uri);
  if (!match) return undefined;
  const [, region = '', host = '', form, rest = ''] = match;
  // `{subdomain}.{service}`: the subdomain names e.g. a bucket for S3's virtual-hosted style; the service is the last label.
  const dot = host.lastIndexOf('.');
  const service = host.slice(dot + 1);
  const subdomain = dot === -1 ? {} : { subdomain: host.slice(0, dot) };
  // An action ends at its first `&` (CDK's actionParameters) or `?`; a path at its first `?`.
  const end = form === 'action' ? rest.search(/[&?]/) : rest.indexOf('?');
  const [head, tail] = end === -1 ? [rest, ''] : [rest.slice(0, end), rest.slice(end + 1)];
  const query = tail === '' ? {} : { query: Object.fromEntries(new URLSearchParams(tail)) };
  return form === 'action'
    ? { service, ...subdomain, region, action: head, ...query, httpMethod }
    : { service, ...subdomain, region, path: head, ...query, httpMethod };
}

/** The mapping half of a non-proxy integration. */
export function mappedIntegrationOf(integration: Props): MappedIntegration {
  const behavior = String(integration.PassthroughBehavior ?? 'WHEN_NO_MATCH').toUpperCase();
  return {
    requestTemplates: stringRecord(integration.RequestTemplates),
    passthroughBehavior: behavior === 'NEVER' || behavior === 'WHEN_NO_TEMPLATES' ? behavior : 'WHEN_NO_MATCH',
    requestParameters: stringRecord(integration.RequestParameters),
    responses: ((integration.IntegrationResponses ?? []) as Props[]).map(
      (r): IntegrationResponseDefinition => ({
        ...(typeof r.SelectionPattern === 'string' && r.SelectionPattern !== '' ? { selectionPattern: r.SelectionPattern } : {}),
        statusCode: Number(r.StatusCode ?? 200),
        responseParameters: stringRecord(r.ResponseParameters),
        responseTemplates: stringRecord(r.ResponseTemplates),
      }),
    ),
    timeoutMs: Number(integration.TimeoutInMillis ?? 29_000),
  };
}

function stringRecord(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value as Props).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}
