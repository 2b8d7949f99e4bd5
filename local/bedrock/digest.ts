import { createHash } from 'node:crypto';

/** The SHA-256 of a value's JSON: what simulated answers, the prompt cache and fixtures key requests by. */
export const digestOf = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');
