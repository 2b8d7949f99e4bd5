/**
 * HTTP APIs' first-class AWS service integrations (`AWS_PROXY` with an `IntegrationSubtype`):
 * the subtype's parameters, mapped from the request, make one call to the service, and the
 * service's answer (status and JSON body, an error's too) is the API's answer. The call goes
 * through the same loopback client as REST APIs' `AWS` integrations, so each service's
 * protocol, validation and errors exist once.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-aws-services-reference.html
 */
import { evaluateMapping, MappingError, type MappingSource } from './http-api-mapping.js';
import { type HttpResponse, jsonResponse } from './payload.js';
import { AwsIntegrationError, type MappedRequest, type ServiceAnswer } from './rest-api-aws-client.js';
import type { AwsServiceTarget } from './rest-api-integrations.js';

/** What an integration subtype sends: a text body (a subtype's body is JSON or a form, never bytes) and its headers. */
type ServiceRequest = Pick<MappedRequest, 'headers'> & { readonly body: string };

/** A subtype the runtime runs: its service and action, required parameters, and how the parameters become the request. */
export interface ServiceIntegration {
  readonly service: string;
  readonly action: string;
  readonly required: readonly string[];
  readonly request: (parameters: Readonly<Record<string, string>>) => ServiceRequest;
}

type Parameters = Readonly<Record<string, string>>;

/** A JSON-protocol request with the given fields, those the mapping left out omitted. */
function json(fields: Record<string, unknown>): ServiceRequest {
  const present = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  return { body: JSON.stringify(present), headers: {} };
}

/**
 * A query-protocol request (SQS's `Action=` form): the parameters by their query names, as a
 * form body, which holds a message of any size where a query string would not.
 */
function form(fields: Record<string, string | undefined>): ServiceRequest {
  const present = Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return { body: new URLSearchParams(present).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } };
}

/** A list parameter: a JSON array, or one value (`All`), or values separated by commas. */
function listOf(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  if (value.trim().startsWith('[')) {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed)) return parsed.map(String);
  }
  return value.split(',').map((item) => item.trim());
}

/** `Name.N=value` query fields from a list. */
function indexed(prefix: string, values: readonly string[] | undefined): Record<string, string> {
  return Object.fromEntries((values ?? []).map((value, i) => [`${prefix}.${i + 1}`, value]));
}

/**
 * SQS message attributes given as JSON (`{"name":{"DataType":"String","StringValue":"x"}}`, the
 * API's shape) as the query protocol's `MessageAttribute.N.Name`/`.Value.*` fields.
 */
function attributes(prefix: string, value: string | undefined): Record<string, string> {
  if (value === undefined) return {};
  const parsed = JSON.parse(value) as Record<string, Record<string, unknown>>;
  const out: Record<string, string> = {};
  Object.entries(parsed).forEach(([name, attribute], i) => {
    out[`${prefix}.${i + 1}.Name`] = name;
    for (const [field, fieldValue] of Object.entries(attribute ?? {})) out[`${prefix}.${i + 1}.Value.${field}`] = String(fieldValue);
  });
  return out;
}

/** EventBridge's `Time`: epoch seconds, as the JSON protocol sends it, from seconds or a date. */
function eventTime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  return Number.isNaN(seconds) ? Date.parse(value) / 1000 : seconds;
}

/** The subtypes whose services run here (`Region` is accepted and not used: the runtime is one region). */
export const SERVICE_INTEGRATIONS: Readonly<Record<string, ServiceIntegration>> = {
  'EventBridge-PutEvents': {
    service: 'events',
    action: 'PutEvents',
    required: ['Detail', 'DetailType', 'Source'],
    request: (p) =>
      json({
        Entries: [
          {
            Source: p.Source,
            DetailType: p.DetailType,
            Detail: p.Detail,
            EventBusName: p.EventBusName,
            Time: eventTime(p.Time),
            Resources: listOf(p.Resources),
            TraceHeader: p.TraceHeader,
          },
        ],
      }),
  },
  'SQS-SendMessage': {
    service: 'sqs',
    action: 'SendMessage',
    required: ['QueueUrl', 'MessageBody'],
    request: (p) =>
      form({
        QueueUrl: p.QueueUrl,
        MessageBody: p.MessageBody,
        DelaySeconds: p.DelaySeconds,
        MessageDeduplicationId: p.MessageDeduplicationId,
        MessageGroupId: p.MessageGroupId,
        ...attributes('MessageAttribute', p.MessageAttributes),
        ...attributes('MessageSystemAttribute', p.MessageSystemAttributes),
      }),
  },
  'SQS-ReceiveMessage': {
    service: 'sqs',
    action: 'ReceiveMessage',
    required: ['QueueUrl'],
    request: (p) =>
      form({
        QueueUrl: p.QueueUrl,
        MaxNumberOfMessages: p.MaxNumberOfMessages,
        VisibilityTimeout: p.VisibilityTimeout,
        WaitTimeSeconds: p.WaitTimeSeconds,
        ReceiveRequestAttemptId: p.ReceiveRequestAttemptId,
        ...indexed('AttributeName', listOf(p.AttributeNames)),
        ...indexed('MessageAttributeName', listOf(p.MessageAttributeNames)),
      }),
  },
  'SQS-DeleteMessage': {
    service: 'sqs',
    action: 'DeleteMessage',
    required: ['QueueUrl', 'ReceiptHandle'],
    request: (p) => form({ QueueUrl: p.QueueUrl, ReceiptHandle: p.ReceiptHandle }),
  },
  'SQS-PurgeQueue': {
    service: 'sqs',
    action: 'PurgeQueue',
    required: ['QueueUrl'],
    request: (p) => form({ QueueUrl: p.QueueUrl }),
  },
  'StepFunctions-StartExecution': {
    service: 'states',
    action: 'StartExecution',
    required: ['StateMachineArn'],
    request: (p) => json({ stateMachineArn: p.StateMachineArn, name: p.Name, input: p.Input }),
  },
  'StepFunctions-StartSyncExecution': {
    service: 'states',
    action: 'StartSyncExecution',
    required: ['StateMachineArn'],
    request: (p) => json({ stateMachineArn: p.StateMachineArn, name: p.Name, input: p.Input, traceHeader: p.TraceHeader }),
  },
  'StepFunctions-StopExecution': {
    service: 'states',
    action: 'StopExecution',
    required: ['ExecutionArn'],
    request: (p) => json({ executionArn: p.ExecutionArn, cause: p.Cause, error: p.Error }),
  },
};

/** What sends the call: the loopback client's `send`. */
export type ServiceSender = (target: AwsServiceTarget, mapped: MappedRequest, signal: AbortSignal) => Promise<ServiceAnswer>;

/**
 * The integration's parameters evaluated against the request: every mapping must resolve
 * (MappingError otherwise, API Gateway's 400); a list or attribute parameter that is not the
 * JSON it must be is a MappingError too.
 */
export function serviceRequestOf(
  subtype: string,
  requestParameters: Parameters,
  source: MappingSource,
  region: string,
  role: { readonly roleArn?: string } = {},
): { target: AwsServiceTarget; mapped: MappedRequest & ServiceRequest } {
  const integration = SERVICE_INTEGRATIONS[subtype];
  if (integration === undefined) throw new Error(`${subtype} is not an integration subtype the runtime runs`);
  const parameters = Object.fromEntries(Object.entries(requestParameters).map(([name, value]) => [name, evaluateMapping(value, source)]));
  let request: ServiceRequest;
  try {
    request = integration.request(parameters);
  } catch (error) {
    throw new MappingError(`a parameter of ${subtype} is not the JSON it must be`, { cause: error });
  }
  return {
    target: { service: integration.service, region, action: integration.action, httpMethod: 'POST', ...role },
    mapped: { ...request, querystring: {}, path: {} },
  };
}

/** The service's answer as API Gateway gives it: its status, its (JSON) body and content type. */
function serviceResponse(answer: ServiceAnswer): HttpResponse {
  const contentType = answer.headers['content-type'] ?? 'application/json';
  return { status: answer.status, headers: { 'content-type': contentType }, body: Buffer.from(answer.body) };
}

export interface ServiceCallOutcome {
  readonly response: HttpResponse;
  /** The service's status, for the access log's `$context.integrationStatus`. */
  readonly integrationStatus?: number;
  readonly error?: string;
}

/** Runs an HTTP API's service integrations through the loopback client. */
export class HttpApiServiceIntegrations {
  constructor(
    private readonly options: {
      /** The loopback client's send; absent when the runtime gave no endpoint (the routes answer 500, with a log line). */
      readonly send?: ServiceSender;
      readonly region: string;
      readonly log: (line: string) => void;
    },
  ) {}

  async call(
    integration: {
      readonly subtype: string;
      readonly requestParameters: Parameters;
      readonly timeoutMs: number;
      readonly roleArn?: string;
    },
    source: MappingSource,
    where: string,
  ): Promise<ServiceCallOutcome> {
    let request: ReturnType<typeof serviceRequestOf>;
    try {
      request = serviceRequestOf(
        integration.subtype,
        integration.requestParameters,
        source,
        this.options.region,
        integration.roleArn === undefined ? {} : { roleArn: integration.roleArn },
      );
    } catch (error) {
      if (!(error instanceof MappingError)) throw error;
      // API Gateway's answer to a mapping it cannot fill; the reason only in the log, as AWS gives none.
      this.options.log(`${where}: ${error.message}`);
      return { response: jsonResponse(400, { message: 'Bad Request' }), error: error.message };
    }
    const send = this.options.send;
    if (send === undefined) {
      this.options.log(
        `${where}: ${integration.subtype} cannot run: the runtime gave the HTTP API service no AWS endpoint (option awsEndpoint)`,
      );
      return { response: jsonResponse(500, { message: 'Internal Server Error' }), error: 'no AWS endpoint' };
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), integration.timeoutMs);
    try {
      const answer = await send(request.target, request.mapped, controller.signal);
      return { response: serviceResponse(answer), integrationStatus: answer.status };
    } catch (error) {
      if (controller.signal.aborted) return { response: jsonResponse(503, { message: 'Service Unavailable' }), error: 'timeout' };
      if (!(error instanceof AwsIntegrationError)) throw error;
      this.options.log(`${where}: ${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}`);
      return { response: jsonResponse(500, { message: 'Internal Server Error' }), error: error.message };
    } finally {
      clearTimeout(timer);
    }
  }
}
