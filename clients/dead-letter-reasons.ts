import { DEAD_LETTER_ATTRIBUTES, ERROR_NAMES } from '../contracts/wiring.js';

/** A dead letter's message attributes, as SQS's ReceiveMessage and the runtime's read API give them. */
export interface DeadLetterAttributes {
  readonly MessageAttributes?: Readonly<Record<string, { readonly StringValue?: string } | undefined>>;
}

/**
 * Whether a consumer dead-lettered the message because its event breaks its contract
 * (`InvalidEvent`): a redrive sends the event back unchanged, and it fails again at once.
 */
export function breaksContract(message: DeadLetterAttributes): boolean {
  return message.MessageAttributes?.[DEAD_LETTER_ATTRIBUTES.errorName]?.StringValue === ERROR_NAMES.invalidEvent;
}
