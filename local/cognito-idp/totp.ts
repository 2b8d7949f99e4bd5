import { createHmac, randomBytes } from 'node:crypto';

/** RFC 4648 base32's alphabet: authenticator apps take a TOTP secret in it (AssociateSoftwareToken's SecretCode). */
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** RFC 6238's time step, and the codes' digits, as Cognito's authenticator apps use them. */
const STEP_SECONDS = 30;
const DIGITS = 6;

export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32.charAt((value << (5 - bits)) & 31);
  return out;
}

/** @throws TotpSecretError for a character outside base32's alphabet */
export function base32Decode(text: string): Buffer {
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new TotpSecretError(`"${char}" is not a base32 character (A-Z, 2-7): a TOTP secret is base32`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export class TotpSecretError extends Error {
  override readonly name = 'TotpSecretError';
}

/** A new secret: 20 random bytes (RFC 4226's recommended length), base32 as Cognito's SecretCode is (32 characters). */
export const newTotpSecret = (): string => base32Encode(randomBytes(20));

/** RFC 6238's code (HMAC-SHA1, dynamic truncation) of the key for the time step `counter`. */
export function hotp(key: Uint8Array, counter: number, digits = DIGITS): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const digest = createHmac('sha1', key).update(message).digest();
  const offset = (digest[digest.length - 1] ?? 0) & 0x0f;
  const binary = digest.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The TOTP code of a base32 secret at `ms` (epoch milliseconds): what the user's authenticator app shows. */
export const totpCode = (secret: string, ms: number): string => hotp(base32Decode(secret), Math.floor(ms / 1000 / STEP_SECONDS));

/** Whether `code` is the secret's code at `ms` or one step either side: an authenticator's clock may be off by that much. */
export function totpMatches(secret: string, code: string, ms: number): boolean {
  const step = Math.floor(ms / 1000 / STEP_SECONDS);
  const key = base32Decode(secret);
  return [step - 1, step, step + 1].some((counter) => hotp(key, counter) === code);
}
