import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { ENV } from '../../contracts/wiring.js';
import { SwitchyardEncryption } from './encryption.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { turnAlarmsOff } from './monitoring-context.js';
import { onFirstUse } from './on-first-use.js';
import { SwitchyardFunction } from './switchyard-function.js';
import { invalidProp, validateInteger, validateRange } from './validation.js';

/** Each access log line: what answered a delivery, and how fast. */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  error: '$context.error.message',
};

// Loaded when an app first makes a WebhookIngress (on-first-use.ts says why).
const apigatewayV1 = onFirstUse<typeof apigateway>('aws-cdk-lib/aws-apigateway');
const apigatewayV2 = onFirstUse<typeof apigw>('aws-cdk-lib/aws-apigatewayv2');
const apigatewayIntegrations = onFirstUse<typeof integrations>('aws-cdk-lib/aws-apigatewayv2-integrations');
const secretsManager = onFirstUse<typeof secretsmanager>('aws-cdk-lib/aws-secretsmanager');

/**
 * The largest body a route accepts: Lambda's 6 MB synchronous request limit holds the
 * body base64-encoded (4/3 of its size) when API Gateway does not see it as text.
 */
const MAX_BODY_BYTES = 4_718_592;
const PROVIDER_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** One provider's route: `POST /webhooks/<name>` to its own function. */
export interface WebhookProvider {
  /** The route's last path segment and the provider part of every event id (lower-case letters, digits and `-`, at most 63). */
  readonly name: string;
  /** The handler's entry file; it builds its handler with the kit's `createWebhookHandler` (signature profile, contract, translation). */
  readonly entry: string;
  /** What the function does, shown in the Lambda console. */
  readonly description: string;
  /**
   * The signing secret shared with the provider; the function reads it from Secrets Manager
   * and learns only its ARN. Rotate it with PutSecretValue: the previous value is accepted for
   * `previousSecretGracePeriod` after that.
   * @default - a new secret of 48 random letters and digits
   */
  readonly secret?: secretsmanager.ISecret;
  /**
   * How far a signed timestamp may be from now (1 to 3600 s), for profiles that sign one (Stripe's).
   * @default Duration.seconds(300)
   */
  readonly signatureTolerance?: Duration;
  /**
   * The largest body accepted, in bytes (1 to 4,718,592); a larger one is answered 400.
   * @default 262_144
   */
  readonly maxBodyBytes?: number;
  /**
   * How long after the secret's current version was created the previous one is still accepted (0 to 30 days).
   * @default Duration.hours(24)
   */
  readonly previousSecretGracePeriod?: Duration;
}

export interface WebhookIngressProps {
  /** The bus accepted deliveries are published to. */
  readonly eventBus: events.IEventBus;
  /** Where each delivery id is claimed once, so a redelivery publishes nothing. */
  readonly idempotencyStore: IdempotencyStore;
  /** One route and function per provider (at least one; names unique). */
  readonly providers: readonly WebhookProvider[];
  /**
   * Steady-state requests per second the stage allows across its routes (1 to 10,000); more are answered 429.
   * @default 50
   */
  readonly throttlingRateLimit?: number;
  /**
   * Requests the stage allows in a burst (1 to 5,000).
   * @default 100
   */
  readonly throttlingBurstLimit?: number;
  /**
   * How long to keep the access log.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly accessLogRetention?: logs.RetentionDays;
  /**
   * `false` turns off the provider functions' errors and throttles alarms, made by SwitchyardMonitoring; their dashboard lines stay.
   * @default - every alarm
   */
  readonly alarms?: false;
}

/**
 * Webhooks in: an API Gateway HTTP API with `POST /webhooks/<provider>` per provider, each to
 * a function that verifies the delivery's signature, validates it against its event contract,
 * claims its delivery id, publishes one event and answers 202 with the event's id. The stage
 * is throttled and writes an access log. Providers authenticate by their HMAC signature (the
 * function checks it), so the routes have no API Gateway authorizer.
 */
export class WebhookIngress extends Construct {
  public readonly api: apigw.HttpApi;
  public readonly stage: apigw.HttpStage;
  public readonly accessLog: logs.LogGroup;
  /** Each provider's function, secret and URL, by provider name. */
  public readonly providers: ReadonlyMap<
    string,
    { readonly function: SwitchyardFunction; readonly secret: secretsmanager.ISecret; readonly url: string }
  >;

  readonly #secrets = new Map<string, secretsmanager.ISecret>();

  constructor(scope: Construct, id: string, props: WebhookIngressProps) {
    super(scope, id);
    if (props.alarms === false) turnAlarmsOff(this);
    const rateLimit = props.throttlingRateLimit ?? 50;
    const burstLimit = props.throttlingBurstLimit ?? 100;
    validateRange(this, 'throttlingRateLimit', rateLimit, 1, 10_000, 'requests per second');
    validateRange(this, 'throttlingBurstLimit', burstLimit, 1, 5_000, 'requests');
    validateInteger(this, 'throttlingBurstLimit', burstLimit);
    if (props.providers.length === 0) invalidProp(this, 'providers must name at least one provider (got none)');
    const seen = new Set<string>();
    for (const [index, provider] of props.providers.entries()) {
      const where = `providers[${index}]`;
      if (!Token.isUnresolved(provider.name) && !PROVIDER_NAME.test(provider.name)) {
        invalidProp(
          this,
          `${where}.name must be 1 to 63 lower-case letters, digits or '-', starting with a letter or digit (got ${JSON.stringify(provider.name)})`,
        );
      }
      if (seen.has(provider.name)) invalidProp(this, `${where}.name must be unique (got ${JSON.stringify(provider.name)} twice)`);
      seen.add(provider.name);
      validateRange(this, `${where}.signatureTolerance`, provider.signatureTolerance?.toSeconds(), 1, 3600, 'seconds');
      validateRange(this, `${where}.maxBodyBytes`, provider.maxBodyBytes, 1, MAX_BODY_BYTES, 'bytes');
      validateInteger(this, `${where}.maxBodyBytes`, provider.maxBodyBytes);
      validateRange(this, `${where}.previousSecretGracePeriod`, provider.previousSecretGracePeriod?.toSeconds(), 0, 2_592_000, 'seconds');
    }

    const v2 = apigatewayV2();
    this.api = new v2.HttpApi(this, 'Api', {
      apiName: `${Stack.of(this).stackName}-${id}`,
      description: 'Webhook ingress: POST /webhooks/<provider>',
      createDefaultStage: false,
    });
    this.accessLog = new logs.LogGroup(this, 'AccessLog', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
      encryptionKey: SwitchyardEncryption.keyOf(this),
    });
    this.stage = this.api.addStage('Stage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit, burstLimit },
      accessLogSettings: {
        destination: new v2.LogGroupLogDestination(this.accessLog),
        format: apigatewayV1().AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    const providers = new Map<string, { function: SwitchyardFunction; secret: secretsmanager.ISecret; url: string }>();
    for (const provider of props.providers) {
      const fn = this.#providerFunction(provider, props);
      this.api.addRoutes({
        path: `/webhooks/${provider.name}`,
        methods: [v2.HttpMethod.POST],
        integration: new (apigatewayIntegrations().HttpLambdaIntegration)(`${pascal(provider.name)}Integration`, fn),
      });
      providers.set(provider.name, {
        function: fn,
        secret: this.#secrets.get(provider.name) as secretsmanager.ISecret,
        url: `${this.stage.url.replace(/\/$/, '')}/webhooks/${provider.name}`,
      });
    }
    this.providers = providers;

    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Webhook providers cannot sign requests with IAM or present tokens; each delivery is authenticated by its HMAC signature, which the route function verifies before anything else.',
    });
  }

  #providerFunction(provider: WebhookProvider, props: WebhookIngressProps): SwitchyardFunction {
    const name = pascal(provider.name);
    const secret =
      provider.secret ??
      new (secretsManager().Secret)(this, `${name}Secret`, {
        description: `Signing secret of the ${provider.name} webhook (share it with the provider, or store the provider's with PutSecretValue)`,
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
        encryptionKey: SwitchyardEncryption.keyOf(this),
      });
    if (provider.secret === undefined) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          "A webhook signing secret is shared with the provider, so it cannot rotate by itself: it is replaced with PutSecretValue when the provider's is, and the previous value stays accepted for the grace period.",
      });
    }
    this.#secrets.set(provider.name, secret);

    const fn = new SwitchyardFunction(this, `${name}Handler`, {
      entry: provider.entry,
      description: provider.description,
      serviceName: `webhook-${provider.name}`,
      // API Gateway waits at most 30 s; a webhook answer must be fast, and nothing slow runs here.
      timeout: Duration.seconds(10),
      memorySize: 512,
      environment: {
        [ENV.webhookProvider]: provider.name,
        [ENV.webhookSecretId]: secret.secretArn,
        [ENV.eventBusName]: props.eventBus.eventBusName,
        [ENV.webhookMaxBodyBytes]: String(provider.maxBodyBytes ?? 262_144),
        [ENV.webhookToleranceSeconds]: String((provider.signatureTolerance ?? Duration.seconds(300)).toSeconds()),
        [ENV.webhookPreviousSecretGraceSeconds]: String((provider.previousSecretGracePeriod ?? Duration.hours(24)).toSeconds()),
      },
    });
    this.#grant(fn, secret, props);
    return fn;
  }

  #grant(fn: SwitchyardFunction, secret: secretsmanager.ISecret, props: WebhookIngressProps): iam.Grant[] {
    return [secret.grantRead(fn), props.eventBus.grantPutEventsTo(fn), props.idempotencyStore.connect(fn)];
  }
}

/** `stripe-payments` -> `StripePayments`, for construct ids. */
function pascal(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
