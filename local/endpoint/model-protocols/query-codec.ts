import { randomUUID } from 'node:crypto';
import { AwsError } from '../aws-error.js';
import type { QueryProtocolService, RawRequest, RawResponse } from '../protocols.js';
import { ec2ErrorResponse, ec2ResponseBody, FormParams, queryErrorResponse, queryResponseBody, xmlResponse } from '../query-form.js';
import type { ApiModel } from '../validation/model.js';
import type { XmlEscaping } from '../xml-escape.js';
import { type ModelOperations, type ProtocolChecks, runOperation } from './operations.js';
import { decodeStructure, encodeMembers, type QueryWriting } from './query-shapes.js';

/**
 * Where a service's query API words things otherwise than the protocol's defaults (SQS's
 * legacy error codes and named entities): declared beside the service, so that no service
 * writes a codec of its own.
 */
export interface QueryDialect {
  /** How text is escaped in the XML answers. @default numeric references, CR too */
  readonly escaping?: XmlEscaping;
  /**
   * The elements of a structure in the order the service writes them, where that is not the
   * model's, by shape; members left out of the list follow in the model's order.
   */
  readonly elementOrder?: Readonly<Record<string, readonly string[]>>;
  /** The error for an action of the API the local service does not serve. @default InvalidAction, "<Action> is not supported by the local <service> service." */
  readonly unsupported?: (action: string) => AwsError;
  /** The error for an action the API does not have (a caller of `handle` or `decode` that did not ask `handles`). @default as `unsupported` */
  readonly unknown?: (action: string) => AwsError;
  /** The service's `<ErrorResponse>` document, for the action that failed where known. @default the query services' (queryErrorResponse) */
  readonly errorResponse?: (error: AwsError, requestId: string, action?: string) => RawResponse;
  /** Parameters a request carries outside its form, added where the form has none (SQS: the queue URL it was posted to). */
  readonly requestParameters?: (request: RawRequest) => Readonly<Record<string, string>>;
  /**
   * Whether it answers the query requests whose signature names no query service (unsigned,
   * or signed for another): it then has no signing name, and the endpoint's own errors for
   * such requests come in its words. @default false
   */
  readonly answersUnscoped?: boolean;
}

/**
 * The AWS query protocol driven by a service's model (`../aws-models/<service>.json`): the form's
 * dotted keys decoded into the operation's input shape, the output encoded as the model's XML
 * (`<ActionResponse><ActionResult>`), errors as `<ErrorResponse>`. A service gives its
 * operations in the API's JSON shape (blobs as base64 text, timestamps as `Date`s) and the
 * codec does the rest, so no service writes a per-operation codec of its own; what a service
 * words otherwise is its `QueryDialect`.
 *
 * Lists are `Name.member.N` (or the list member's `locationName`), `Name.N` when flattened;
 * maps `Name.entry.N.key/value` (or their `locationName`s), as botocore's serializer writes
 * them. Scalars are decoded by the model's type; a number or boolean that does not read as
 * one stays text, and the model validation (`textScalars`) leaves it to the operation.
 *
 * A model of the EC2 protocol (`ec2`) is spoken as EC2 speaks it: input members by their
 * `queryName` (or capitalized `locationName`), every list `Name.N`; answers with the request
 * id and the output's members and no result wrapper; errors as `<Response><Errors>`.
 */
export class ModelQueryProtocol implements QueryProtocolService {
  /** The service in a SigV4 credential scope, telling this service's actions from another's of the same name. */
  readonly signingName: string | undefined;
  readonly #xmlns: string;
  readonly #writing: QueryWriting;

  constructor(
    private readonly model: ApiModel,
    private readonly operations: ModelOperations,
    private checks: ProtocolChecks,
    private readonly dialect: QueryDialect = {},
  ) {
    if (model.metadata.protocol !== 'query' && model.metadata.protocol !== 'ec2') {
      throw new Error(`the model's protocol is ${model.metadata.protocol}, not query`);
    }
    this.signingName = dialect.answersUnscoped ? undefined : (model.metadata.signingName ?? model.metadata.endpointPrefix);
    this.#xmlns = model.metadata.xmlNamespace ?? '';
    this.#writing = { model, escaping: dialect.escaping, order: dialect.elementOrder ?? {} };
  }

  /** IAM's check of each call (its module's authorizations), which the service registry gives it. */
  authorizeWith(authorize: NonNullable<ProtocolChecks['authorize']>): void {
    this.checks = { ...this.checks, authorize };
  }

  handles(action: string): boolean {
    return Object.hasOwn(this.model.operations, action) || Object.hasOwn(this.model.otherOperations ?? {}, action);
  }

  async handle(form: URLSearchParams, request?: RawRequest): Promise<RawResponse> {
    const requestId = randomUUID();
    const action = form.get('Action') ?? '';
    try {
      const input = this.decode(action, form, request);
      const output = await runOperation(this.operations, this.checks, action, input);
      return xmlResponse(200, this.encode(action, output, requestId), requestId);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      return this.errorResponse(error, requestId, action);
    }
  }

  /** The input an action's form (and the request it came in) gives the operation; the error the service answers for an action it does not serve. */
  decode(action: string, form: URLSearchParams, request?: RawRequest): Record<string, unknown> {
    const operation = Object.hasOwn(this.model.operations, action) ? this.model.operations[action] : undefined;
    if (operation === undefined || !Object.hasOwn(this.operations, action)) throw this.#refusal(action);
    if (operation.input === undefined) return {};
    let params = form;
    const outside = request === undefined ? undefined : this.dialect.requestParameters?.(request);
    for (const [name, value] of Object.entries(outside ?? {})) {
      if (params.has(name)) continue;
      if (params === form) params = new URLSearchParams(form);
      params.set(name, value);
    }
    return decodeStructure(this.model, operation.input, FormParams.parse(params));
  }

  /** The `<ActionResponse>` document of an operation's output. */
  encode(action: string, output: unknown, requestId: string): string {
    const operation = this.model.operations[action];
    if (operation === undefined) throw new Error(`${action} is not an operation of the model`);
    if (this.model.metadata.protocol === 'ec2') {
      const members =
        operation.output === undefined ? '' : encodeMembers(this.#writing, operation.output, (output ?? {}) as Record<string, unknown>);
      return ec2ResponseBody(this.#xmlns, action, members, requestId);
    }
    const result =
      operation.output === undefined || operation.resultWrapper === undefined
        ? undefined
        : encodeMembers(this.#writing, operation.output, (output ?? {}) as Record<string, unknown>);
    return queryResponseBody(this.#xmlns, action, result, requestId);
  }

  /** The service's `<ErrorResponse>` document, with the error's status. */
  errorResponse(error: AwsError, requestId: string = randomUUID(), action?: string): RawResponse {
    const own = this.dialect.errorResponse?.(error, requestId, action);
    if (own !== undefined) return own;
    return this.model.metadata.protocol === 'ec2' ? ec2ErrorResponse(error, requestId) : queryErrorResponse(this.#xmlns, error, requestId);
  }

  #refusal(action: string): AwsError {
    const unsupported =
      this.dialect.unsupported ??
      ((name: string) => new AwsError('InvalidAction', `${name} is not supported by the local ${this.checks.serviceName} service.`));
    return this.handles(action) ? unsupported(action) : (this.dialect.unknown ?? unsupported)(action);
  }
}
