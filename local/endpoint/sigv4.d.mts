import type { IncomingHttpHeaders } from 'node:http';

export interface SignatureProblem {
  /** missing: no signature; incomplete: a malformed one; unknownKey: an access key not configured; mismatch; expired: outside the clock skew. */
  readonly kind: 'missing' | 'incomplete' | 'unknownKey' | 'mismatch' | 'expired';
  readonly message: string;
}

/** Why the request's AWS Signature Version 4 is not acceptable, or undefined when it is. */
export function verifySignature(
  request: { method: string; url: string; headers: IncomingHttpHeaders; body: Uint8Array },
  secrets: { get(accessKeyId: string): string | undefined },
  now?: Date,
): Promise<SignatureProblem | undefined>;
