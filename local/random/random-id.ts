import { randomBytes } from 'node:crypto';

const LOWER_ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `length` random lower-case letters and digits: the ids Bedrock's jobs and API Gateway's APIs, resources and deployments have. */
export function lowerAlphanumericId(length: number): string {
  return [...randomBytes(length)].map((byte) => LOWER_ALPHANUMERIC[byte % LOWER_ALPHANUMERIC.length]).join('');
}
