import { generateKeyPairSync, type JsonWebKey, type KeyObject, sign } from 'node:crypto';

/** An RSA issuer for tests: its public JWKS, and tokens it signs (RS256) with the claims given. */
export function testIssuer(kid = 'key-1') {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as JsonWebKey), kid, alg: 'RS256', use: 'sig' };
  return {
    jwks: { keys: [jwk] },
    keys: [jwk] as JsonWebKey[],
    token: (claims: Record<string, unknown>, options: { kid?: string; key?: KeyObject } = {}) =>
      signed({ alg: 'RS256', typ: 'JWT', kid: options.kid ?? kid }, claims, options.key ?? privateKey),
  };
}

function signed(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

/** Another key, to sign a token the issuer's keys do not verify. */
export function otherKey(): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}
