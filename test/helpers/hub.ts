import { PutEventsCommand } from '@aws-sdk/client-eventbridge';

/** The reference app's event bus. */
export const HUB = 'Switchyard-hub';

/**
 * A PutEvents of `details` (at most 10) to the reference app's hub, as the contract's producer
 * sends them. Nothing validates a detail first: a test can send one the contract refuses.
 */
export function toHub(contract: { readonly source: string; readonly detailType: string }, ...details: object[]): PutEventsCommand {
  return new PutEventsCommand({
    Entries: details.map((detail) => ({
      EventBusName: HUB,
      Source: contract.source,
      DetailType: contract.detailType,
      Detail: JSON.stringify(detail),
    })),
  });
}
