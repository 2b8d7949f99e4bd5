import { describe, expect, it } from 'vitest';
import { signatureError } from '../../../local/endpoint/guard.js';
import type { SignatureProblem } from '../../../local/endpoint/sigv4.js';

const KINDS: SignatureProblem['kind'][] = ['missing', 'incomplete', 'unknownKey', 'mismatch', 'expired'];

/** Each protocol's answer to each problem, in KINDS' order: S3's ErrorResponses page, the query and JSON protocols' common errors. */
const EXPECTED = {
  s3: [
    ['AccessDenied', 403],
    ['AuthorizationHeaderMalformed', 400],
    ['InvalidAccessKeyId', 403],
    ['SignatureDoesNotMatch', 403],
    ['RequestTimeTooSkewed', 403],
  ],
  query: [
    ['MissingAuthenticationToken', 403],
    ['IncompleteSignature', 400],
    ['InvalidClientTokenId', 403],
    ['SignatureDoesNotMatch', 403],
    ['SignatureDoesNotMatch', 403],
  ],
  json: [
    ['MissingAuthenticationTokenException', 400],
    ['IncompleteSignatureException', 400],
    ['UnrecognizedClientException', 400],
    ['InvalidSignatureException', 400],
    ['InvalidSignatureException', 400],
  ],
  rest: [
    ['MissingAuthenticationTokenException', 403],
    ['IncompleteSignatureException', 403],
    ['UnrecognizedClientException', 403],
    ['InvalidSignatureException', 403],
    ['InvalidSignatureException', 403],
  ],
} as const;

describe('signatureError', () => {
  for (const [protocol, answers] of Object.entries(EXPECTED) as [keyof typeof EXPECTED, (typeof EXPECTED)[keyof typeof EXPECTED]][]) {
    it(`answers each signature problem of a ${protocol} request with the code and status AWS answers`, () => {
      const got = KINDS.map((kind) => signatureError({ kind, message: '' }, protocol));
      expect(got).toEqual(answers.map(([code, status]) => ({ code, status })));
    });
  }
});
