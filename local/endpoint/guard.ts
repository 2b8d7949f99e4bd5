import type { IncomingMessage } from 'node:http';
import { BearerKeyError, bearerTokenOf, INVALID_KEY, PRESIGNED_HOST, readBedrockApiKey } from '../iam/bedrock-api-keys.js';
import { keyRing } from '../iam/session-keys.js';
import type { RawResponse } from './protocols.js';
import { type HostPolicy, hostPolicy, isLoopbackAddress, refusal } from './request-guard.js';
import { type SignatureProblem, verifySignature } from './sigv4.js';
import { escapeXml, type XmlEscaping } from './xml-escape.js';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** What the endpoint trusts beyond loopback, and whether it checks signatures. */
export interface TrustOptions {
  /** The address the endpoint listens on. @default '127.0.0.1' */
  readonly bindAddress?: string;
  /** Host names to answer besides loopback ones (`--allow-host`). */
  readonly allowHosts?: readonly string[];
  /** When given, every request must carry an AWS Signature Version 4 made with one of these (`--verify-signatures`). */
  readonly credentials?: readonly Credentials[];
  readonly clock?: () => Date;
}

/** The plain settings the DynamoDB engine's thread needs to guard its own port the same way. */
export interface GuardSettings {
  readonly bindAddress: string;
  readonly allowHosts: readonly string[];
  readonly endpointPort: number;
  readonly credentials?: readonly Credentials[];
}

type Protocol = 'json' | 'query' | 'rest' | 's3';

/**
 * Links AWS mails or sends people, taken unsigned: they carry their own proof. SNS's links to
 * subscribers (SubscribeURL, UnsubscribeURL: the token, the subscription ARN) and the link of
 * SES's verification mail (its token). A wrong signature still fails.
 */
const UNSIGNED_ACTIONS = new Set(['ConfirmSubscription', 'Unsubscribe', 'ConfirmVerification']);

/**
 * AWS JSON operations AWS takes unsigned, by `X-Amz-Target`: Cognito user pools' operations a
 * person calls as themselves (sign-up, sign-in, their own tokens), which botocore's model of
 * `cognito-idp` marks `authtype: none`. A wrong signature still fails.
 */
const UNSIGNED_TARGETS: ReadonlySet<string> = new Set(
  [
    'AssociateSoftwareToken',
    'ChangePassword',
    'CompleteWebAuthnRegistration',
    'ConfirmDevice',
    'ConfirmForgotPassword',
    'ConfirmSignUp',
    'DeleteUser',
    'DeleteUserAttributes',
    'DeleteWebAuthnCredential',
    'ForgetDevice',
    'ForgotPassword',
    'GetDevice',
    'GetTokensFromRefreshToken',
    'GetUser',
    'GetUserAttributeVerificationCode',
    'GetUserAuthFactors',
    'GlobalSignOut',
    'InitiateAuth',
    'ListDevices',
    'ListWebAuthnCredentials',
    'ResendConfirmationCode',
    'RespondToAuthChallenge',
    'RevokeToken',
    'SetUserMFAPreference',
    'SetUserSettings',
    'SignUp',
    'StartWebAuthnRegistration',
    'UpdateAuthEventFeedback',
    'UpdateDeviceStatus',
    'UpdateUserAttributes',
    'VerifySoftwareToken',
    'VerifyUserAttribute',
  ].map((operation) => `AWSCognitoIdentityProviderService.${operation}`),
);

/**
 * The endpoint's checks before any service sees a request: Host and Origin always (so a
 * web page in the user's browser cannot reach it), the signature when configured. A
 * refusal is answered in the request's protocol, so SDKs and the CLI show its message.
 */
export class EndpointGuard {
  readonly #policy: HostPolicy;
  readonly #secrets?: { get(accessKeyId: string): string | undefined };
  readonly #clock: () => Date;

  constructor(private readonly options: TrustOptions = {}) {
    this.#policy = hostPolicy({ bindAddress: options.bindAddress, allowHosts: options.allowHosts });
    if (options.credentials !== undefined) {
      if (options.credentials.length === 0) throw new Error('signature verification needs at least one access key id and secret');
      // Role session keys (functions' execution roles) verify against secrets derived from the first key's.
      this.#secrets = keyRing(options.credentials);
    }
    this.#clock = options.clock ?? (() => new Date());
  }

  get verifiesSignatures(): boolean {
    return this.#secrets !== undefined;
  }

  /** A 403 for a foreign Host or Origin (any Origin for `anyOrigin`), or undefined when the request may go on. */
  refuse(req: IncomingMessage, port: number, options: { anyOrigin?: boolean } = {}): RawResponse | undefined {
    const refused = refusal(req.headers, this.#policy, port, options);
    if (refused === undefined) return undefined;
    const query = protocolOf(req) === 'query';
    return errorResponse(req, query ? 'AccessDenied' : 'AccessDeniedException', refused.message, 403);
  }

  /** AWS's answer to a missing or wrong signature, or undefined when it verifies (or verification is off). */
  async checkSignature(req: IncomingMessage, body: Buffer): Promise<RawResponse | undefined> {
    if (this.#secrets === undefined) return undefined;
    const token = bearerTokenOf(req.headers.authorization);
    if (token !== undefined) return this.#checkApiKey(req, token);
    const problem = await verifySignature(
      { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body },
      this.#secrets,
      this.#clock(),
    );
    if (problem === undefined) return undefined;
    if (problem.kind === 'missing' && UNSIGNED_ACTIONS.has(queryAction(req, body) ?? '')) return undefined;
    if (problem.kind === 'missing' && UNSIGNED_TARGETS.has(String(req.headers['x-amz-target'] ?? ''))) return undefined;
    const { code, status } = signatureError(problem, protocolOf(req));
    return errorResponse(req, code, problem.message, status);
  }

  /**
   * A Bedrock API key (`Authorization: Bearer`) carries its own proof: a short-term key is a
   * presigned `CallWithBearerToken` request, verified as one (with these credentials, so a key
   * made from a local function's role session verifies too); a long-term key's secret is IAM's,
   * which the runtime does not hold, so it is refused. Refused with Bedrock's texts.
   */
  async #checkApiKey(req: IncomingMessage, token: string): Promise<RawResponse | undefined> {
    let presigned: string | undefined;
    try {
      presigned = readBedrockApiKey(token).presigned;
    } catch (error) {
      if (!(error instanceof BearerKeyError)) throw error;
      return errorResponse(req, 'AccessDeniedException', error.message, error.status);
    }
    const problem =
      presigned === undefined
        ? { message: 'a long-term key cannot be verified locally' }
        : await verifySignature(
            { method: 'POST', url: presigned, headers: { host: PRESIGNED_HOST }, body: Buffer.alloc(0) },
            this.#secrets ?? new Map(),
            this.#clock(),
          );
    if (problem === undefined) return undefined;
    return errorResponse(req, 'AccessDeniedException', `${INVALID_KEY} (${problem.message})`, 403);
  }

  /** For the DynamoDB engine's thread, which guards its own port. */
  settings(endpointPort: number): GuardSettings {
    return {
      bindAddress: this.options.bindAddress ?? '127.0.0.1',
      allowHosts: this.#policy.extraNames,
      endpointPort,
      ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
    };
  }

  /** Start-up lines saying whom the endpoint answers. */
  describe(url: string): string[] {
    const bind = this.options.bindAddress ?? '127.0.0.1';
    const lines: string[] = [];
    const names = this.#policy.extraNames.filter((name) => !isLoopbackAddress(name));
    if (isLoopbackAddress(bind)) {
      lines.push(
        `endpoint ${url} answers this machine only: loopback Host names${names.length ? ` and ${names.join(', ')}` : ''}; browsers only from its own origin`,
      );
    } else {
      lines.push(
        `endpoint listens on ${bind}, reachable from other machines: it answers loopback names and ${names.join(', ') || 'no other name'} (more with --allow-host)${this.#secrets ? '' : '; anyone who can reach it can use it (--verify-signatures requires signed requests)'}`,
      );
    }
    lines.push(
      this.#secrets
        ? `signatures verified: every request must be signed (SigV4) with access key ${(this.options.credentials ?? []).map((c) => c.accessKeyId).join(' or ')}; local functions sign with their execution role's session keys; a short-term Bedrock API key must be presigned with one of them, a long-term one is refused`
        : 'signatures are not verified (any credentials work; --verify-signatures turns checking on)',
    );
    return lines;
  }
}

/**
 * The code AWS answers for each signature problem: S3's own
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html) with its status, the query
 * protocol's with its status, and the JSON and REST services' (their status is the protocol's).
 */
const SIGNATURE_ERRORS = {
  missing: { s3: ['AccessDenied', 403], query: ['MissingAuthenticationToken', 403], json: 'MissingAuthenticationTokenException' },
  incomplete: { s3: ['AuthorizationHeaderMalformed', 400], query: ['IncompleteSignature', 400], json: 'IncompleteSignatureException' },
  unknownKey: { s3: ['InvalidAccessKeyId', 403], query: ['InvalidClientTokenId', 403], json: 'UnrecognizedClientException' },
  mismatch: { s3: ['SignatureDoesNotMatch', 403], query: ['SignatureDoesNotMatch', 403], json: 'InvalidSignatureException' },
  expired: { s3: ['RequestTimeTooSkewed', 403], query: ['SignatureDoesNotMatch', 403], json: 'InvalidSignatureException' },
} as const satisfies Record<SignatureProblem['kind'], object>;

/** The error code and status AWS answers for a signature problem, by protocol. */
export function signatureError(problem: SignatureProblem, protocol: Protocol): { code: string; status: number } {
  const errors = SIGNATURE_ERRORS[problem.kind];
  if (protocol === 's3' || protocol === 'query') {
    const [code, status] = errors[protocol];
    return { code, status };
  }
  // Lambda's REST API answers these with 403, the JSON services with 400.
  return { code: errors.json, status: protocol === 'rest' ? 403 : 400 };
}

/** JSON protocols name their operation in X-Amz-Target; query ones are form posts or carry `Action`; the rest is REST. */
function protocolOf(req: IncomingMessage): Protocol {
  if (req.headers['x-amz-target'] !== undefined) return 'json';
  if (isS3Request(req)) return 's3';
  if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return 'query';
  return /[?&]Action=/.test(req.url ?? '') ? 'query' : 'rest';
}

/** S3 requests are signed for `s3`, or sent to `s3.localhost` and its sub-domains (local/s3/rest-protocol.ts). */
function isS3Request(req: IncomingMessage): boolean {
  const scope =
    /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ??
    new URL(req.url ?? '/', 'http://local').searchParams.get('X-Amz-Credential')?.split('/')[3];
  if (scope !== undefined) return scope === 's3';
  const host =
    String(req.headers.host ?? '')
      .split(':')[0]
      ?.toLowerCase() ?? '';
  return host === 's3.localhost' || host.endsWith('.s3.localhost');
}

function queryAction(req: IncomingMessage, body: Buffer): string | undefined {
  if (protocolOf(req) !== 'query') return undefined;
  const fromUrl = new URL(req.url ?? '/', 'http://local').searchParams.get('Action');
  return fromUrl ?? new URLSearchParams(body.toString('utf8')).get('Action') ?? undefined;
}

function errorResponse(req: IncomingMessage, code: string, message: string, status: number): RawResponse {
  const requestId = crypto.randomUUID();
  if (protocolOf(req) === 's3') {
    const s3Code = code === 'AccessDeniedException' ? 'AccessDenied' : code;
    return {
      status,
      headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
      body:
        req.method === 'HEAD'
          ? ''
          : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${s3Code}</Code><Message>${escapeXml(message, GUARD_ESCAPING)}</Message><RequestId>${requestId}</RequestId></Error>`,
    };
  }
  if (protocolOf(req) === 'query') {
    return {
      status,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body:
        `<?xml version="1.0"?><ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code>` +
        `<Message>${escapeXml(message, GUARD_ESCAPING)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    };
  }
  // JSON services answer these from AWS's request framework, with its namespace.
  const type = protocolOf(req) === 'json' ? `com.amazon.coral.service#${code}` : code;
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': code, 'x-amzn-requestid': requestId },
    body: JSON.stringify({ __type: type, message, Message: message }),
  };
}

/** The guard's errors keep the bytes they have always had: numeric references, a CR left as it is. */
const GUARD_ESCAPING: XmlEscaping = { entities: 'numeric', carriageReturn: false };
