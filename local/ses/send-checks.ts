import { AwsError } from '../endpoint/aws-error.js';
import { type ParsedAddress, parseAddress } from './addresses.js';
import type { Identities } from './identities.js';
import { type SesContext, sendQuota } from './ses-context.js';
import type { ConfigurationSetRow } from './ses-store.js';

/**
 * The checks SES makes of a send before it accepts it, in SES's words. Each throws the v1
 * API's error (the v2 API answers its own code for it: api-v2.ts).
 */

/** SES's limit on recipients of one message (To, Cc and Bcc together). */
export const MAX_RECIPIENTS = 50;
/** The largest message each API accepts (after base64 encoding, as SES measures it). */
export const MAX_MESSAGE_BYTES = { v1: 10 * 1024 * 1024, v2: 40 * 1024 * 1024 } as const;

export interface MessageTag {
  readonly Name?: string;
  readonly Value?: string;
}

/** A message tag's name and value, as SES checks them. */
export function checkTags(tags: readonly MessageTag[]): void {
  for (const tag of tags) {
    const name = tag.Name ?? '';
    const value = tag.Value ?? '';
    if (name === '') throw invalid('The tag name must be specified.');
    if (value === '') throw invalid('The tag value must be specified.');
    if (name.length > 255) throw invalid('Tag name cannot exceed 255 characters.');
    if (value.length > 255) throw invalid('Tag value cannot exceed 255 characters.');
    if (!/^[A-Za-z0-9_-]+$/.test(name))
      throw invalid(`Invalid tag name <${name}>: only alphanumeric ASCII characters, '_',  '-' are allowed.`);
    if (!/^[A-Za-z0-9_.@-]+$/.test(value)) {
      throw invalid(`Invalid tag value <${value}>: only alphanumeric ASCII characters, '_',  '-' , '.', '@' are allowed.`);
    }
  }
}

/** The recipients, each read as an address; SES refuses a message without any, and more than 50. */
export function parseRecipients(recipients: readonly string[]): ParsedAddress[] {
  const parsed = recipients.map(parseAddress);
  if (parsed.length === 0) throw invalid("Missing required header 'To'.");
  if (parsed.length > MAX_RECIPIENTS) throw invalid(`Recipient count exceeds ${MAX_RECIPIENTS}.`);
  return parsed;
}

/** Account-level sending, paused by UpdateAccountSendingEnabled. */
export function checkAccountSending(context: SesContext): void {
  if (context.store.setting('sending_enabled') === 'false') {
    throw new AwsError('AccountSendingPausedException', 'Account sending paused.', 400);
  }
}

/** The configuration set a send names: it must exist, with sending enabled. */
export function checkConfigurationSet(context: SesContext, name: string | undefined): ConfigurationSetRow | undefined {
  if (name === undefined) return undefined;
  const set = context.store.configurationSet(name);
  if (set === undefined) throw new AwsError('ConfigurationSetDoesNotExist', `Configuration set <${name}> does not exist.`, 400);
  if (!set.sendingEnabled) {
    throw new AwsError('ConfigurationSetSendingPausedException', `Sending is paused for the configuration set <${name}>.`, 400);
  }
  return set;
}

/**
 * The sender must be a verified identity (its address or domain); in the sandbox, so must every
 * recipient but the mailbox simulator's. SES names every identity that failed, as given.
 */
export function checkVerified(
  context: SesContext,
  identities: Identities,
  sender: ParsedAddress,
  recipients: readonly ParsedAddress[],
): void {
  const failed: string[] = [];
  if (identities.verifiedFor(sender.address) === undefined) failed.push(sender.given);
  if (context.setting.sandbox) {
    for (const recipient of recipients) if (!identities.mayReceiveInSandbox(recipient.address)) failed.push(recipient.given);
  }
  if (failed.length === 0) return;
  throw new AwsError(
    'MessageRejected',
    `Email address is not verified. The following identities failed the check in region ${context.region.toUpperCase()}: ${[...new Set(failed)].join(', ')}`,
    400,
  );
}

/** The 24-hour sending quota, counted in recipients. */
export function checkQuota(context: SesContext, recipients: number): void {
  const { max24HourSend } = sendQuota(context.setting);
  const sent = context.store.sentSince(context.clock.now() - 24 * 3600_000);
  if (sent + recipients > max24HourSend) throw new AwsError('Throttling', 'Daily message quota exceeded.', 400);
}

/** The message's size against its API's limit. */
export function checkSize(api: 'v1' | 'v2', bytes: number): void {
  const limit = MAX_MESSAGE_BYTES[api];
  if (bytes > limit) throw invalid(`Message length is more than ${limit} bytes long: '${bytes}'.`);
}

function invalid(message: string): AwsError {
  return new AwsError('InvalidParameterValue', message, 400);
}
