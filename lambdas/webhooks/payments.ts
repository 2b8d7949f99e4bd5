import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createWebhookHandler, EventPublisher, RotatingSecret, requireEnv, requireNumber, tracer } from 'switchyard-cdk/kit';
import { ENV, PaymentReceived } from '../../domain/index.js';
import { translatePayment } from './payment-events.js';

/**
 * A payment provider's webhook (Stripe's signature scheme): `payment_intent.succeeded`
 * becomes PaymentReceived on the hub; other event types are acknowledged and ignored.
 */
export const handler = createWebhookHandler({
  provider: requireEnv(ENV.webhookProvider),
  signature: { kind: 'stripe', toleranceSeconds: requireNumber(ENV.webhookToleranceSeconds, 1, 86_400) },
  secrets: new RotatingSecret({
    client: tracer.captureAWSv3Client(new SecretsManagerClient({})),
    secretId: requireEnv(ENV.webhookSecretId),
    previousGraceMs: requireNumber(ENV.webhookPreviousSecretGraceSeconds, 0, 31_536_000) * 1000,
  }),
  contract: PaymentReceived,
  translate: translatePayment,
  publisher: new EventPublisher({
    client: tracer.captureAWSv3Client(new EventBridgeClient({})),
    eventBusName: requireEnv(ENV.eventBusName),
  }),
  idempotency: { persistenceStore: new DynamoDBPersistenceLayer({ tableName: requireEnv(ENV.idempotencyTable) }) },
  maxBodyBytes: requireNumber(ENV.webhookMaxBodyBytes, 1, 10_485_760),
});
