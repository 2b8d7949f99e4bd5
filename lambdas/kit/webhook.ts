/**
 * The webhook ingress handler: verify, validate, publish, answer 202, and nothing slow in
 * the request. Built for API Gateway HTTP API's Lambda proxy integration (payload 2.0).
 */
import { IdempotencyAlreadyInProgressError, IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { TProperties } from 'typebox';
import { type Detail, type EventContract, idempotencyFieldsMissing, webhookEventId } from '../../contracts/index.js';
import type { EventPublisher } from './emit.js';
import { logger as defaultLogger } from './observability.js';
import { traceInvocation } from './tracing/invocation.js';
import { deliveryIdOf, deliveryIdSource, type Headers, type SignatureProfile, verifySignature } from './webhook-signature.js';

/** Where the handler gets the accepted signing secrets (the kit's RotatingSecret). */
export interface SigningSecrets {
  values(): Promise<readonly string[]>;
  /** Fetches again (rate-limited); true if the values changed. */
  refresh(): Promise<boolean>;
}

/** Who sent the delivery, as the event carries it. */
export interface Delivery {
  readonly provider: string;
  readonly deliveryId: string;
  /** Derived from provider and delivery id (`webhookEventId`): the same on every redelivery. */
  readonly eventId: string;
  readonly headers: Headers;
}

/** The detail without the delivery fields the kit fills in, or a reason to accept the delivery but publish nothing. */
export type Translation<P extends TProperties> =
  | Omit<Detail<EventContract<P>>, 'metadata' | 'eventId' | 'provider' | 'deliveryId'>
  | { readonly ignore: string };

export interface WebhookHandlerOptions<P extends TProperties> {
  /** The route's provider name; part of every event id. */
  readonly provider: string;
  readonly signature: SignatureProfile;
  readonly secrets: SigningSecrets;
  /** The contract of the event each accepted delivery becomes; it must have `eventId`, `provider` and `deliveryId`. */
  readonly contract: EventContract<P>;
  /**
   * The provider's payload as the contract's detail. Return `{ ignore: reason }` for a
   * delivery the app does not act on (another event type): it is answered 200 and not published.
   */
  readonly translate: (payload: unknown, delivery: Delivery) => Translation<P>;
  readonly publisher: EventPublisher;
  /** Where deliveries are claimed (one conditional write each), so a redelivery publishes nothing. */
  readonly idempotency: { readonly persistenceStore: BasePersistenceLayer; readonly expiresAfterSeconds?: number };
  /**
   * The largest body accepted (after base64 decoding).
   * @default 262_144
   */
  readonly maxBodyBytes?: number;
  readonly logger?: Pick<typeof defaultLogger, 'info' | 'warn' | 'error'>;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

type Result = APIGatewayProxyStructuredResultV2;
type WebhookLog = NonNullable<WebhookHandlerOptions<TProperties>['logger']>;

const DEFAULT_MAX_BODY_BYTES = 262_144;

/**
 * Answers: 202 `{ eventId }` when the delivery was published (or had been: a redelivery
 * gets the first answer and publishes nothing); 200 `{ ignored }` for a delivery the app
 * does not act on; 401 for a missing, wrong or stale signature; 400 naming the problem for
 * a body over the limit, not JSON, without a delivery id, breaking the contract or lacking a value for
 * one of its idempotency fields; 409
 * while the same delivery is being processed by another request; 503 if publishing failed
 * (the provider retries). Nothing is published unless the answer is 202.
 */
export function createWebhookHandler<P extends TProperties>(
  options: WebhookHandlerOptions<P>,
): (event: APIGatewayProxyEventV2, context: Context) => Promise<Result> {
  const log = options.logger ?? defaultLogger;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const now = options.now ?? (() => new Date());

  // For a delivery already accepted, Powertools returns the stored result without calling this; `run` says which happened.
  const publish = async (
    _claim: { key: string },
    detail: Record<string, unknown>,
    eventId: string,
    run: { ran: boolean },
  ): Promise<{ eventId: string }> => {
    run.ran = true;
    await options.publisher.emit([{ contract: options.contract, detail }], { correlationId: eventId });
    return { eventId };
  };

  const handle = async (event: APIGatewayProxyEventV2, context: Context): Promise<Result> => {
    const headers = lowerCased(event.headers ?? {});
    const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64') : Buffer.from(event.body ?? '', 'utf8');
    if (body.length > maxBodyBytes) return answer(400, { message: `body is ${body.length} bytes; the limit is ${maxBodyBytes} bytes` });

    const refused = await verifyDelivery(options, { headers, body }, now, log);
    if (refused !== undefined) return refused;

    const accepted = acceptedDelivery(options, headers, body, log);
    if (!('detail' in accepted)) return accepted;
    return publishOnce(options, accepted, publish, context, log);
  };
  // The invocation's span: an HTTP server span (API Gateway's Lambda proxy), exported before it answers.
  return (event, context) => {
    const attributes = {
      'faas.trigger': 'http',
      'http.request.method': event.requestContext?.http?.method,
      'http.route': event.routeKey?.replace(/^[A-Z]+ /, ''),
      'switchyard.webhook.provider': options.provider,
    };
    return traceInvocation({ name: `webhook ${options.provider}`, kind: 'server', attributes }, context, log, async (span) => {
      const result = await handle(event, context);
      span.setAttribute('http.response.status_code', result.statusCode);
      return result;
    });
  };
}

/** The refusal for a delivery whose signature does not verify (or cannot be checked); undefined when it verifies. */
async function verifyDelivery<P extends TProperties>(
  options: WebhookHandlerOptions<P>,
  request: { readonly headers: Headers; readonly body: Buffer },
  now: () => Date,
  log: WebhookLog,
): Promise<Result | undefined> {
  const { headers, body } = request;
  let check: ReturnType<typeof verifySignature>;
  try {
    check = verifySignature(options.signature, { headers, body }, await options.secrets.values(), now());
    // The secret may have been rotated since it was cached: look once more before refusing.
    if (!check.ok && check.reason === 'mismatch' && (await options.secrets.refresh())) {
      check = verifySignature(options.signature, { headers, body }, await options.secrets.values(), now());
    }
  } catch (error) {
    // Without the secret nothing can be verified; the provider retries a 5xx later.
    log.error('webhook not verified: the signing secret could not be read', { provider: options.provider, error });
    return answer(503, { message: 'the signing secret could not be read; retry later' });
  }
  if (!check.ok) {
    log.warn('webhook refused: signature', { provider: options.provider, reason: check.reason, problem: check.message });
    return answer(401, { message: check.message });
  }
  return undefined;
}

/** A verified delivery that is to be published: its detail as the contract's event. */
interface AcceptedDelivery {
  readonly detail: Record<string, unknown>;
  readonly deliveryId: string;
  readonly eventId: string;
}

/** The verified body as the contract's detail, or the answer for a body that is not JSON, has no delivery id, is ignored or breaks the contract. */
function acceptedDelivery<P extends TProperties>(
  options: WebhookHandlerOptions<P>,
  headers: Headers,
  body: Buffer,
  log: WebhookLog,
): AcceptedDelivery | Result {
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return answer(400, { message: `body is not JSON: ${(error as Error).message}` });
  }
  const deliveryId = deliveryIdOf(options.signature, headers, payload);
  if (deliveryId === undefined) return answer(400, { message: `no delivery id: expected it in ${deliveryIdSource(options.signature)}` });
  const eventId = webhookEventId(options.provider, deliveryId);
  const delivery: Delivery = { provider: options.provider, deliveryId, eventId, headers };

  const translated = options.translate(payload, delivery);
  if ('ignore' in translated && typeof translated.ignore === 'string') {
    log.info('webhook ignored', { provider: options.provider, deliveryId, reason: translated.ignore });
    return answer(200, { ignored: translated.ignore });
  }
  const detail = { ...translated, eventId, provider: options.provider, deliveryId } as Record<string, unknown>;
  const validation = options.contract.validate(detail);
  // A schema that lets a key field be left out passes validation, but emit would refuse the
  // event (and the provider, answered 503, would retry it for ever): refused here, as what it is.
  const unkeyable = validation.ok ? idempotencyFieldsMissing(options.contract, detail) : undefined;
  const problems = validation.ok ? (unkeyable === undefined ? [] : [unkeyable.message]) : validation.errors;
  if (problems.length > 0) {
    return answer(400, {
      message: `the delivery does not make a valid ${options.contract.detailType}: ${problems.join('; ')}`,
      problems,
    });
  }
  return { detail, deliveryId, eventId };
}

type Publish = (
  claim: { key: string },
  detail: Record<string, unknown>,
  eventId: string,
  run: { ran: boolean },
) => Promise<{ eventId: string }>;

/** Claims the delivery (one conditional write) and publishes it, once: 202, 409 while another request has it, 503 if publishing failed. */
async function publishOnce<P extends TProperties>(
  options: WebhookHandlerOptions<P>,
  accepted: AcceptedDelivery,
  publish: Publish,
  context: Context,
  log: WebhookLog,
): Promise<Result> {
  const { detail, deliveryId, eventId } = accepted;
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    expiresAfterSeconds: options.idempotency.expiresAfterSeconds ?? 7 * 24 * 60 * 60,
  });
  config.registerLambdaContext(context);
  const claimOnce = makeIdempotent(publish, { persistenceStore: options.idempotency.persistenceStore, config });
  try {
    const run = { ran: false };
    const result = await claimOnce({ key: `webhook#${options.provider}#${deliveryId}` }, detail, eventId, run);
    log.info(run.ran ? 'webhook accepted' : 'webhook redelivered: already accepted, not published again', {
      provider: options.provider,
      deliveryId,
      eventId: result.eventId,
    });
    return answer(202, { eventId: result.eventId });
  } catch (error) {
    if (error instanceof IdempotencyAlreadyInProgressError) {
      return answer(409, { message: `delivery ${deliveryId} is being processed by another request; retry later` });
    }
    log.error('webhook not published', { provider: options.provider, deliveryId, eventId, error });
    return answer(503, { message: 'the event could not be published; retry later' });
  }
}

function lowerCased(headers: Readonly<Record<string, string | undefined>>): Headers {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function answer(statusCode: number, body: Record<string, unknown>): Result {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
