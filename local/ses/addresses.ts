import { AwsError } from '../endpoint/aws-error.js';

/**
 * Email addresses as SES reads them. SES checks an address the way JavaMail's
 * `InternetAddress` does and answers `InvalidParameterValue` with its reason ("Missing final
 * '@domain'", "Missing domain", "Local address contains control or whitespace", ...), so the
 * checks below follow its order and words. An address may carry a display name
 * (`Jane <jane@example.com>`); the identity SES checks is the address inside the brackets.
 */

/** An address as given, and the mailbox inside it. */
export interface ParsedAddress {
  /** As the request gave it (`Jane <jane@example.com>`). */
  readonly given: string;
  /** The address alone (`jane@example.com`). */
  readonly address: string;
}

export class InvalidAddress extends AwsError {
  override readonly name = 'InvalidAddress';
  constructor(reason: string) {
    super('InvalidParameterValue', reason, 400);
  }
}

/** RFC 822 specials a local part may not hold unquoted (JavaMail's `specialsNoDot`). */
const SPECIALS_NO_DOT = '()<>,;:\\"[]@';

/** Reads `Name <address>` or a bare address; throws InvalidAddress with SES's reason. */
export function parseAddress(given: string): ParsedAddress {
  const trimmed = given.trim();
  if (trimmed === '') throw new InvalidAddress('Empty address');
  const open = trimmed.lastIndexOf('<');
  let address = trimmed;
  if (open >= 0) {
    const close = trimmed.indexOf('>', open);
    if (close < 0) throw new InvalidAddress("Missing '>'");
    if (trimmed.slice(close + 1).trim() !== '') throw new InvalidAddress('Illegal address');
    address = trimmed.slice(open + 1, close).trim();
  } else if (trimmed.includes('>')) {
    throw new InvalidAddress('Illegal address');
  }
  checkAddress(address);
  return { given: trimmed, address };
}

/** JavaMail's `InternetAddress.checkAddress`, for an address without a display name. */
function checkAddress(address: string): void {
  if (address === '') throw new InvalidAddress('Empty address');
  if (address.startsWith('.')) throw new InvalidAddress('Local address starts with dot');
  let i = 0;
  let last = '';
  let quoted = false;
  for (; i < address.length; i++) {
    const c = address.charAt(i);
    if (c === '\\') {
      i++;
      last = '';
      continue;
    }
    if (c === '"') {
      quoted = !quoted;
      last = c;
      continue;
    }
    if (quoted) {
      if (c === '\r' || c === '\n') throw new InvalidAddress('Quoted local address contains CR or LF');
      continue;
    }
    if (c === '@') {
      if (i === 0) throw new InvalidAddress('Missing local name');
      break;
    }
    if (c <= ' ' || c === '\x7f') throw new InvalidAddress('Local address contains control or whitespace');
    if (SPECIALS_NO_DOT.includes(c)) throw new InvalidAddress('Local address contains illegal character');
    if (c === '.' && last === '.') throw new InvalidAddress('Local address contains dot-dot');
    last = c;
  }
  if (quoted) throw new InvalidAddress('Unterminated quote');
  if (last === '.') throw new InvalidAddress('Local address ends with dot');
  if (i >= address.length) throw new InvalidAddress("Missing final '@domain'");
  const domain = address.slice(i + 1);
  if (domain === '') throw new InvalidAddress('Missing domain');
  if (domain.startsWith('.')) throw new InvalidAddress('Domain starts with dot');
  if (domain.startsWith('[') && domain.endsWith(']')) return;
  last = '';
  for (const c of domain) {
    if (c <= ' ' || c === '\x7f') throw new InvalidAddress('Domain contains control or whitespace');
    if (!/[\p{L}\p{N}.-]/u.test(c)) throw new InvalidAddress('Domain contains illegal character');
    if (c === '.' && last === '.') throw new InvalidAddress('Domain contains dot-dot');
    last = c;
  }
  if (last === '.') throw new InvalidAddress('Domain ends with dot');
}

/** The domain of an address (`Example.COM` stays as given; callers compare lower-cased). */
export function domainOfAddress(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

/** The mailbox simulator's domain: SES accepts its addresses in the sandbox and answers each with a fixed outcome. */
export const SIMULATOR_DOMAIN = 'simulator.amazonses.com';

/** What the mailbox simulator does with mail to an address, by its local part (before any `+label`). */
export type SimulatorOutcome = 'success' | 'bounce' | 'ooto' | 'complaint' | 'suppressionlist';

export function simulatorOutcome(address: string): SimulatorOutcome | undefined {
  if (domainOfAddress(address).toLowerCase() !== SIMULATOR_DOMAIN) return undefined;
  const local = address.slice(0, address.lastIndexOf('@')).split('+')[0]?.toLowerCase();
  return local === 'success' || local === 'bounce' || local === 'ooto' || local === 'complaint' || local === 'suppressionlist'
    ? local
    : 'success';
}
