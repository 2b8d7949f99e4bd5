import { randomBytes, randomInt, scryptSync, timingSafeEqual } from 'node:crypto';
import { AwsError } from '../endpoint/aws-error.js';
import type { PasswordPolicy, UserRecord } from './records.js';
import { srpVerifier } from './srp.js';

/** Cognito's symbols for a password (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-policies.html). */
const SYMBOL = /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/;

/** @throws AwsError InvalidPasswordException with the rule it breaks, as Cognito words it */
export function checkPassword(password: string, policy: PasswordPolicy): void {
  const refuse = (why: string) => new AwsError('InvalidPasswordException', `Password did not conform with policy: ${why}`, 400);
  if (password.length < policy.MinimumLength) throw refuse('Password not long enough');
  if (policy.RequireLowercase && !/[a-z]/.test(password)) throw refuse('Password must have lowercase characters');
  if (policy.RequireUppercase && !/[A-Z]/.test(password)) throw refuse('Password must have uppercase characters');
  if (policy.RequireNumbers && !/[0-9]/.test(password)) throw refuse('Password must have numeric characters');
  if (policy.RequireSymbols && !SYMBOL.test(password)) throw refuse('Password must have symbol characters');
}

/** What the store keeps of a password: `<salt>:<scrypt hash>`, never the password. */
export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  return `${salt.toString('base64')}:${scryptSync(password, salt, 32).toString('base64')}`;
}

export function passwordMatches(password: string, kept: string | undefined): boolean {
  if (kept === undefined) return false;
  const [salt, hash] = kept.split(':');
  if (salt === undefined || hash === undefined) return false;
  return timingSafeEqual(scryptSync(password, Buffer.from(salt, 'base64'), 32), Buffer.from(hash, 'base64'));
}

/** What a user record keeps of a password: its hash, and the SRP verifier of the user's username in the pool. */
export function passwordFields(poolId: string, username: string, password: string): Pick<UserRecord, 'password' | 'srp'> {
  return { password: hashPassword(password), srp: srpVerifier(poolId, username, password) };
}

/** A temporary password that meets the pool's policy. */
export function temporaryPassword(policy: PasswordPolicy): string {
  const pick = (alphabet: string) => alphabet.charAt(randomInt(alphabet.length));
  const rest = Array.from({ length: Math.max(policy.MinimumLength, 12) - 4 }, () => pick('abcdefghijkmnopqrstuvwxyz23456789'));
  return [pick('ABCDEFGHJKLMNPQRSTUVWXYZ'), pick('abcdefghijkmnpqrstuvwxyz'), pick('23456789'), pick('!#%&*+-=?'), ...rest].join('');
}

/** A six-digit confirmation code. */
export const confirmationCode = () => String(randomInt(0, 1_000_000)).padStart(6, '0');
