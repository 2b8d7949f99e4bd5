import type { IncomingHttpHeaders } from 'node:http';
import type { AwsError } from './aws-error.js';

/** A service operation: the AWS request shape in, the AWS response shape out. */
export type Operation = (input: never) => Promise<unknown>;

/** The caller's IAM check of one operation (its API name, its input in the API's JSON shape); throws the AwsError AWS answers. */
export type OperationAuthorizer = (operation: string, input: unknown) => Promise<void>;

/**
 * A protocol that runs a service's operations itself (a query or REST codec): the service
 * registry gives it the IAM check its module declares before mounting it, so that no module
 * builds one without the check. It runs the check after decoding and validating a request,
 * before the operation.
 */
export interface Authorizable {
  authorizeWith(authorize: OperationAuthorizer): void;
}

/** A service spoken over AWS JSON 1.0/1.1: operations are chosen by `X-Amz-Target: <prefix>.<Operation>`. */
export interface JsonProtocolService {
  /** The X-Amz-Target prefix, e.g. `AWSEvents`, `AmazonSQS`, `AWSStepFunctions`. */
  readonly targetPrefix: string;
  /** The service's name in the endpoint's own answers ("X is not supported by the local CloudWatch service"). @default its target prefix */
  readonly serviceName?: string;
  /** `1.0` or `1.1`: the content type answered is `application/x-amz-json-<version>`. */
  readonly jsonVersion: '1.0' | '1.1';
  /** The namespace of error `__type`s, e.g. `com.amazonaws.sqs`. */
  readonly errorNamespace?: string;
  /** Each operation by its API name. */
  readonly operations: Readonly<Record<string, Operation>>;
  /** Extra response headers for an error (SQS's `x-amzn-query-error`). */
  errorHeaders?(error: AwsError): Record<string, string> | undefined;
  /**
   * The error's name in `__type` and `x-amzn-errortype`, where not its code: an `awsQueryCompatible`
   * API's operations throw their query codes, and its JSON names the error's shape
   * (CloudWatch: QueryCompatibleErrors, `model-protocols/query-compatible.ts`). @default its code
   */
  errorType?(error: AwsError): string;
  /** Checks an operation's input against the service's model before the operation runs (throws the AwsError AWS answers). */
  validate?(operation: string, input: unknown): void;
  /** Checks the caller may make the request (IAM), after validation and before the operation runs (throws the AwsError AWS answers). */
  authorize?(operation: string, input: unknown): Promise<void>;
}

export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The caller's address (S3 puts it in the events a request causes). */
  readonly sourceIp?: string;
}

export interface RawResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Instead of a body: parts sent as they come, without a Content-Length (Bedrock's event streams). */
  readonly stream?: AsyncIterable<Buffer>;
}

/** A service with a REST protocol (Lambda): it gets the request and answers it whole. */
export interface RestProtocolService {
  /** Whether this service serves the request (by path; S3 by its signature's scope or its host). */
  handles(request: Pick<RawRequest, 'method' | 'path' | 'headers' | 'query'>): boolean;
  handle(request: RawRequest): Promise<RawResponse>;
  /** The largest request body it takes, where AWS's limit is above the endpoint's 20 MiB (SES v2's 40 MB messages). */
  readonly maxBodyBytes?: number;
  /**
   * The service's own error document, for errors the endpoint answers itself (a body too large,
   * a broken path); `path` is the request's as sent (Lambda names the operation a body too large was for).
   */
  errorResponse?(error: AwsError, method: string, path: string): RawResponse;
  /** Takes the IAM check of its module (see Authorizable): required of a mount whose module declares IAM. */
  authorizeWith?(authorize: OperationAuthorizer): void;
}

/** A service that answers form-encoded query-protocol requests (SQS, SNS, SES, CloudFormation), chosen by `Action`. */
export interface QueryProtocolService {
  /** The service of a SigV4 credential scope (`sns`): chosen first when two services share an action name. */
  readonly signingName?: string;
  handles(action: string): boolean;
  handle(form: URLSearchParams, request: RawRequest): Promise<RawResponse>;
  /** The service's own XML error document, for errors the endpoint answers itself (no or an unknown `Action`, a body too large). */
  errorResponse?(error: AwsError): RawResponse;
  /** Takes the IAM check of its module (see Authorizable): required of a mount whose module declares IAM. */
  authorizeWith?(authorize: OperationAuthorizer): void;
}
