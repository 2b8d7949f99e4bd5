import { randomBytes, randomUUID } from 'node:crypto';
import { AwsError } from '../endpoint/aws-error.js';
import type { TagPair } from '../store/tag-store.js';

/** What Secrets Manager's requests carry, read and checked as it checks them. */
export type Input = Record<string, unknown>;

export const STAGE = /^[A-Za-z0-9_-]{1,256}$/;
export const MAX_VALUE_BYTES = 65_536;

export const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message);

/**
 * A request's or the template's `Tags` as pairs.
 * @throws AwsError InvalidParameterException for anything but a list of `{ Key, Value }` strings
 */
export function tagPairs(tags: unknown): TagPair[] {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags)) throw invalidParameter('Tags must be a list of Key and Value pairs.');
  return tags.map((tag: { Key?: unknown; Value?: unknown }): TagPair => {
    if (typeof tag?.Key !== 'string' || typeof tag.Value !== 'string') throw invalidParameter('Each tag needs a Key and a Value string.');
    return [tag.Key, tag.Value];
  });
}

export function optionalText(input: Input, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`${key} must be a string.`);
  return value;
}

export function stageList(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0 || value.length > 20 || !value.every((s) => typeof s === 'string' && STAGE.test(s))) {
    throw invalidParameter('VersionStages must be a list of 1 to 20 staging labels.');
  }
  return value as string[];
}

export function secretValue(input: Input): { secretString: string | null; secretBinary: Uint8Array | null } | undefined {
  const text = optionalText(input, 'SecretString');
  const binary = optionalText(input, 'SecretBinary');
  if (text !== undefined && binary !== undefined)
    throw invalidParameter("You can't specify both a binary secret value and a string secret value in the same secret.");
  if (text === undefined && binary === undefined) return undefined;
  const bytes = binary === undefined ? null : Buffer.from(binary, 'base64');
  const size = text === undefined ? (bytes?.length ?? 0) : Buffer.byteLength(text);
  if (size > MAX_VALUE_BYTES) throw invalidParameter(`The secret value is ${size} bytes; the limit is ${MAX_VALUE_BYTES} bytes.`);
  return { secretString: text ?? null, secretBinary: bytes };
}

export function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return Buffer.from(a).equals(Buffer.from(b));
}

/** Secrets Manager appends a hyphen and six random characters to a secret's name in its ARN. */
export function randomSuffix(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(6)].map((byte) => alphabet.charAt(byte % alphabet.length)).join('');
}

/** LastAccessedDate is reported to the day. */
export function startOfDay(ms: number): number {
  return ms - (ms % 86_400_000);
}

/** The request's ClientRequestToken, the new version's id: made up when absent, as the SDKs do (a known difference: AWS refuses a request without). */
export function clientToken(input: Input): string {
  const token = optionalText(input, 'ClientRequestToken') ?? randomUUID();
  if (token.length < 32 || token.length > 64) throw invalidParameter('ClientRequestToken must be 32 to 64 characters long.');
  return token;
}
