import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';

/** Where a consumer claims its events' effects, and for how long a claim is kept. */
export interface ClaimStore {
  readonly persistenceStore: BasePersistenceLayer;
  readonly expiresAfterSeconds?: number;
}

/**
 * Powertools idempotency (with its JMESPath engine), loaded on the first batch of a consumer
 * that claims events with it: a consumer built with `idempotency: false` (its effect is
 * its own conditional write) never evaluates it at cold start. Shared by the kit's consumers
 * (the SQS consumer, the Custom Event Bus consumer); not exported from `switchyard-cdk/kit`.
 */
let idempotencyModule: Promise<typeof import('@aws-lambda-powertools/idempotency')> | undefined;
export function loadIdempotency() {
  idempotencyModule ??= import('@aws-lambda-powertools/idempotency');
  return idempotencyModule;
}

/** How a consumer claims events: keyed on the event's idempotency key (the `key` of the claim object), kept a day unless told. */
export async function claimConfig(idempotency: ClaimStore) {
  const { IdempotencyConfig } = await loadIdempotency();
  return new IdempotencyConfig({ eventKeyJmesPath: 'key', expiresAfterSeconds: idempotency.expiresAfterSeconds ?? 24 * 60 * 60 });
}
