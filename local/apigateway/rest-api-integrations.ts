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

/** Where an `AWS` integration sends its request: the service and its action, or its path. */
export interface AwsServiceTarget {
  /** `sqs`, `states`, `events`, `dynamodb`, `sns`, `s3`, ... (the URI's service, without a subdomain). */
  readonly service: string;
  readonly region: string;
  readonly action?: string;
  /** What follows `path/`, `{name}` placeholders included. */
  readonly path?: string;
  /** The integration's HTTP method (`IntegrationHttpMethod`). */
  readonly httpMethod: string;
}

/** The services an `AWS` integration reaches here: the ones the local endpoint serves. */
export const AWS_INTEGRATION_SERVICES = new Set([
  'sqs',
  'sns',
  'events',
  'states',
  'dynamodb',
  's3',
  'lambda',
  'logs',
  'ssm',
  'kms',
  'secretsmanager',
]);

type Props = Record<string, unknown>;

/** The service target of an `AWS` integration's URI, or undefined for a URI of another form. */
export function awsTargetOf(uri: string, httpMethod: string): AwsServiceTarget | undefined {
  const match = /^arn:aws[\w-]*:apigateway:([^:]*):([^:]+):(action|path)\/(.*)$/s.exec(uri);
  if (!match) return undefined;
  const [, region = '', host = '', form, rest = ''] = match;
  // `{subdomain}.{service}`: the subdomain names e.g. a bucket for S3's virtual-hosted style; the service is the last label.
  const service = host.split('.').at(-1) ?? host;
  return form === 'action' ? { service, region, action: rest, httpMethod } : { service, region, path: rest, httpMethod };
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
