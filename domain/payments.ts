import { type Detail, defineContract } from 'switchyard-cdk/contracts';
// TypeBox's builders as a namespace import rather than switchyard-cdk/contracts' `Type` object: a
// handler bundle then keeps only the builders called here, not all of TypeBox (see domain/index.ts).
import * as Type from 'typebox';

/** The fields every event made from a webhook delivery carries (see `webhookEventId`). */
export const WebhookDeliveryProperties = {
  /** Derived from the provider and its delivery id: the same for every redelivery. */
  eventId: Type.String({ minLength: 1, maxLength: 64 }),
  /** The provider the delivery came from (its route: `POST /webhooks/<provider>`). */
  provider: Type.String({ minLength: 1, maxLength: 64 }),
  /** The provider's own id for the delivery (a header, or Stripe's event id). */
  deliveryId: Type.String({ minLength: 1, maxLength: 256 }),
};

/** A payment provider reported a successful payment, by webhook. */
export const PaymentReceived = defineContract({
  detailType: 'PaymentReceived',
  source: 'switchyard.payments',
  description: 'A payment provider reported a successful payment (received by webhook).',
  properties: {
    ...WebhookDeliveryProperties,
    paymentId: Type.String({ minLength: 1, maxLength: 256 }),
    /** In the currency's smallest unit (cents), as payment providers send it. */
    amount: Type.Integer({ minimum: 0 }),
    /** ISO 4217, lower case as Stripe sends it. */
    currency: Type.String({ pattern: '^[a-z]{3}$' }),
    customerId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  // A redelivered webhook is a second request for the same fact: its derived id is the same.
  idempotencyFields: ['eventId'],
});
export type PaymentReceived = Detail<typeof PaymentReceived>;
