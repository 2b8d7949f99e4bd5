import type { Translation } from 'switchyard-cdk/kit';
import type { PaymentReceived } from '../../domain/index.js';

type PaymentProperties = typeof PaymentReceived extends { schema: { properties: infer P } } ? P : never;

/**
 * A Stripe-style event (`{ id, type, data: { object } }`) as PaymentReceived's detail. Only
 * `payment_intent.succeeded` is a payment received; fields are copied as they are, so a
 * payload missing one fails the contract with the field's name rather than being guessed at.
 */
export function translatePayment(payload: unknown): Translation<PaymentProperties> {
  const event = (payload ?? {}) as { type?: unknown; data?: { object?: Record<string, unknown> } };
  if (event.type !== 'payment_intent.succeeded') return { ignore: `event type ${String(event.type)} is not acted on` };
  const intent = event.data?.object ?? {};
  return {
    paymentId: intent.id,
    amount: intent.amount_received ?? intent.amount,
    currency: intent.currency,
    ...(typeof intent.customer === 'string' ? { customerId: intent.customer } : {}),
  } as Translation<PaymentProperties>;
}
