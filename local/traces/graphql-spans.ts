import { parseTraceHeader } from '../endpoint/trace-header.js';
import { SPAN_KIND, type SpanWriter, unsampled } from './span-writer.js';

/**
 * AppSync served a GraphQL request (AppSync's GraphqlRequestNote). Declared here, not imported,
 * so that the traces service imports no service: AppSync tells the read API no note to read it by.
 */
export interface GraphqlRequestNote {
  readonly api: { readonly id: string; readonly name: string; readonly arn: string };
  /** The request's id (its `x-amzn-requestid`): the read API finds the trace by it. */
  readonly requestId: string;
  readonly operation?: {
    readonly type: 'query' | 'mutation' | 'subscription';
    readonly name?: string;
    /** The operation's type and top-level fields (`Mutation.putNote`). */
    readonly fields: readonly string[];
  };
  /** The auth mode that let the request in; undefined when none did (401). */
  readonly authMode?: string;
  /** Who asked: a Cognito or OIDC user's `sub` (and username), an IAM principal's ARN, the API key (masked). */
  readonly caller?: { readonly id?: string; readonly name?: string; readonly apiKey?: string };
  /** The header the request's resolvers carried: its trace, and the request's own segment as parent. */
  readonly traceHeader: string;
  /** The header it came with, if any (its `Parent` is the request's parent). */
  readonly startedWith?: string;
  readonly startedAt: number;
  readonly endedAt: number;
  /** The response's errors (or the refusal), the first of which is the span's error. */
  readonly errors?: readonly { readonly errorType?: string; readonly message: string }[];
}

/**
 * The span of a GraphQL request, as the OpenTelemetry GraphQL conventions name it
 * (https://opentelemetry.io/docs/specs/semconv/graphql/graphql-spans/: `graphql.operation.type`,
 * `graphql.operation.name`), a server span whose segment is the parent of every call its
 * resolvers made (their Lambda invocations, executions, events, model calls), with who asked
 * (`enduser.id`).
 */
export function writeGraphqlSpan(writer: SpanWriter, note: GraphqlRequestNote): void {
  const own = parseTraceHeader(note.traceHeader);
  if (own?.parent === undefined || unsampled(own)) return;
  const parent = parseTraceHeader(note.startedWith)?.parent;
  const { operation } = note;
  const error = note.errors?.[0];
  writer.write({
    service: 'AppSync',
    name: `graphql ${operation === undefined ? note.api.name : (operation.name ?? operation.fields.join(' '))}`,
    kind: SPAN_KIND.server,
    root: own.root,
    segment: own.parent,
    ...(parent ? { parent } : {}),
    start: note.startedAt,
    end: note.endedAt,
    attributes: {
      'rpc.system': 'aws-api',
      'rpc.service': 'AppSync',
      'cloud.resource_id': note.api.arn,
      'aws.request_id': note.requestId,
      'aws.appsync.api.id': note.api.id,
      'aws.appsync.api.name': note.api.name,
      'aws.appsync.auth_mode': note.authMode,
      'graphql.operation.type': operation?.type,
      'graphql.operation.name': operation?.name,
      'switchyard.graphql.fields': operation?.fields,
      'enduser.id': note.caller?.id,
      'switchyard.enduser.name': note.caller?.name,
      'switchyard.appsync.api_key': note.caller?.apiKey,
      'switchyard.graphql.errors': note.errors?.length,
    },
    ...(error ? { error: { type: error.errorType ?? 'GraphQLError', message: error.message } } : {}),
  });
}
