import { AwsError } from '../endpoint/aws-error.js';
import type { ModelOperations } from '../endpoint/model-protocols/operations.js';
import { ModelRestXmlProtocol } from '../endpoint/model-protocols/rest-xml-codec.js';
import type { RawRequest, RawResponse, RestProtocolService } from '../endpoint/protocols.js';
import { loadModel } from '../endpoint/validation/model.js';
import { escapeXml, type XmlEscaping } from '../endpoint/xml-escape.js';
import { operationTable } from '../service-registry/operation-table.js';
import { MISSING_KEY, s3Iam } from './iam-authorizations.js';
import { S3ArgumentError } from './notification-config.js';
import { s3HostId } from './notifier.js';
import { credentialScopeService, hostname, modelRequest } from './request-parts.js';
import { malformedXml, S3_REQUEST, S3Api } from './s3-api.js';
import { type S3Service, s3RequestId } from './s3-service.js';

const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

/**
 * S3 writes named entities. XML 1.0 cannot carry most control characters even escaped;
 * S3 refuses such keys on write, so only escaping is needed (a CR is left as it is).
 */
const S3_ESCAPING: XmlEscaping = { entities: 'named', carriageReturn: false };

/** The root elements of S3's answers, which its model does not name. */
const ROOTS: Readonly<Record<string, string>> = {
  ListBuckets: 'ListAllMyBucketsResult',
  ListObjects: 'ListBucketResult',
  ListObjectsV2: 'ListBucketResult',
  DeleteObjects: 'DeleteResult',
  CreateMultipartUpload: 'InitiateMultipartUploadResult',
  CompleteMultipartUpload: 'CompleteMultipartUploadResult',
  GetObjectTagging: 'Tagging',
  GetBucketNotificationConfiguration: 'NotificationConfiguration',
  GetBucketLocation: 'LocationConstraint',
};

const methodNotAllowed = () => new AwsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);

/**
 * S3's REST-XML protocol on the shared endpoint, spoken from S3's model by the model-driven
 * codec (S3Api holds the operations). A request is S3's when its SigV4 credential scope
 * (Authorization header or presigned `X-Amz-Credential`) names `s3`, or, unsigned, when it is
 * sent to `s3.localhost` or `<bucket>.s3.localhost`; so Lambda's paths and the console's never
 * reach it. Buckets are addressed path-style (`/<bucket>/<key>`) or virtual-host style
 * (`<bucket>.s3.localhost`, or `<bucket>.localhost` when the SDK derives it from a `localhost`
 * endpoint). What is S3's own stays here: the addressing, aws-chunked bodies and their
 * trailers (modelRequest), its error document and request ids, and 404 NoSuchKey only to a
 * caller who may list the bucket.
 */
export class S3RestProtocol implements RestProtocolService {
  readonly #codec: ModelRestXmlProtocol;
  #authorize?: (operation: string, input: unknown) => Promise<void>;

  constructor(s3: S3Service) {
    this.#codec = new ModelRestXmlProtocol(
      loadModel('s3'),
      operationTable(new S3Api(s3), S3Api) as ModelOperations,
      { serviceName: 'S3' },
      {
        xmlNamespace: S3_NAMESPACE,
        escaping: S3_ESCAPING,
        roots: ROOTS,
        unknown: methodNotAllowed,
        unsupported: (operation) => new AwsError('NotImplemented', `${operation} is not served by the local S3.`, 501),
        malformed: (cause) => Object.assign(malformedXml(), { cause }),
      },
    );
  }

  /**
   * IAM's check of each call (its module's authorizations), which the service registry gives it:
   * the operations IAM's table names (a bucket's configuration is the administrator's, not a function's).
   */
  authorizeWith(authorize: (operation: string, input: unknown) => Promise<void>): void {
    this.#authorize = authorize;
    this.#codec.authorizeWith(async (operation, input) => {
      if (Object.hasOwn(s3Iam.operations, operation)) await authorize(operation, input);
    });
  }

  handles(request: Pick<RawRequest, 'method' | 'path' | 'headers' | 'query'>): boolean {
    const scope = credentialScopeService(request.headers, request.query);
    if (scope !== undefined) return scope === 's3';
    const host = hostname(request.headers);
    return host === 's3.localhost' || host.endsWith('.s3.localhost');
  }

  async handle(request: RawRequest): Promise<RawResponse> {
    const requestId = s3RequestId();
    const context = { requestId, sourceIp: (request.sourceIp ?? '127.0.0.1').replace(/^::ffff:/, '') };
    let addressed: RawRequest | undefined;
    try {
      addressed = modelRequest(request);
      const response = await S3_REQUEST.run(context, () => this.#codec.answer(addressed as RawRequest));
      return { ...response, headers: { ...commonHeaders(requestId), ...response.headers } };
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      const [, bucket, key] = /^\/([^/]+)(?:\/(.+))?$/.exec(addressed?.path ?? '') ?? [];
      return errorResponse(await this.#unlisted(error, bucket), requestId, request.method, bucket, key);
    }
  }

  /**
   * A missing key as S3 answers it: 404 NoSuchKey to a caller who may list the bucket, else
   * the refusal of s3:ListBucket (403 AccessDenied), as IAM's mode says.
   */
  async #unlisted(error: AwsError, bucket: string | undefined): Promise<AwsError> {
    if (error.code !== 'NoSuchKey' || bucket === undefined || !this.#authorize) return error;
    try {
      await this.#authorize(MISSING_KEY, { Bucket: bucket });
      return error;
    } catch (refused) {
      if (refused instanceof AwsError) return refused;
      throw refused;
    }
  }

  /** S3's shape for what the endpoint refuses before S3 sees the request (S3 calls a body too large EntityTooLarge). */
  errorResponse(error: AwsError, method: string): RawResponse {
    const s3Error =
      error.code === 'RequestEntityTooLarge'
        ? new AwsError(
            'EntityTooLarge',
            `Your proposed upload exceeds the maximum allowed size of the local endpoint: ${error.message}`,
            400,
          )
        : error;
    return errorResponse(s3Error, s3RequestId(), method);
  }
}

function commonHeaders(requestId: string): Record<string, string> {
  return { 'x-amz-request-id': requestId, 'x-amz-id-2': s3HostId(requestId), server: 'AmazonS3' };
}

/** S3's error document (no namespace); a HEAD answer has no body, so the SDKs read the status alone (404 -> NotFound). */
function errorResponse(error: AwsError, requestId: string, method: string, bucket?: string, key?: string): RawResponse {
  const headers = { ...commonHeaders(requestId), 'content-type': 'application/xml' };
  if (method === 'HEAD') return { status: error.status, headers };
  const named = error.code === 'NoSuchBucket' || error.code === 'InvalidBucketName' || error.code === 'BucketNotEmpty';
  const detail: (readonly [string, string | undefined])[] = [
    ['Code', error.code],
    ['Message', error.message],
    ...(error instanceof S3ArgumentError ? error.details : []),
    ['BucketName', named ? bucket : undefined],
    ['Key', error.code === 'NoSuchKey' ? key : undefined],
    ['RequestId', requestId],
    ['HostId', s3HostId(requestId)],
  ];
  const elements = detail
    .filter((entry): entry is readonly [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `<${name}>${escapeXml(value, S3_ESCAPING)}</${name}>`)
    .join('');
  return { status: error.status, headers, body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${elements}</Error>` };
}
