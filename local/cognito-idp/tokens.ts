import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import { AwsError } from '../endpoint/aws-error.js';
import type { CognitoStore } from './store.js';

type Claims = Readonly<Record<string, unknown>>;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Each pool's RS256 key pair (made at its first token, kept in the data folder so tokens
 * outlive a restart), the tokens signed with it, and its JWKS.
 */
export class PoolKeys {
  constructor(private readonly store: CognitoStore) {}

  #key(poolId: string): { kid: string; privateKey: string } {
    const kept = this.store.keys.get(poolId);
    if (kept) return kept;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const made = { poolId, kid: randomUUID(), privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
    this.store.keys.put(poolId, made);
    return made;
  }

  /** A JWT signed with the pool's key. */
  sign(poolId: string, claims: Claims): string {
    const { kid, privateKey } = this.#key(poolId);
    const input = `${b64({ kid, alg: 'RS256' })}.${b64(claims)}`;
    const signature = sign('RSA-SHA256', Buffer.from(input), createPrivateKey(privateKey)).toString('base64url');
    return `${input}.${signature}`;
  }

  /** The pool's JSON Web Key Set, as `/<poolId>/.well-known/jwks.json` serves it. */
  jwks(poolId: string): { keys: Record<string, unknown>[] } {
    const { kid, privateKey } = this.#key(poolId);
    const jwk = createPublicKey(createPrivateKey(privateKey)).export({ format: 'jwk' });
    return { keys: [{ alg: 'RS256', e: jwk.e, kid, kty: 'RSA', n: jwk.n, use: 'sig' }] };
  }

  /**
   * The claims of an access token this runtime signed and that has not expired: what GetUser
   * reads. @throws AwsError NotAuthorizedException as Cognito answers a bad token
   */
  accessClaims(token: string, now: number): Claims {
    const refused = (why: string) => new AwsError('NotAuthorizedException', why, 400);
    const [header, payload, signature] = token.split('.');
    if (header === undefined || payload === undefined || signature === undefined) throw refused('Invalid Access Token');
    let claims: Claims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Claims;
    } catch (error) {
      throw new AwsError('NotAuthorizedException', 'Invalid Access Token', 400, { cause: error });
    }
    const poolId =
      String(claims.iss ?? '')
        .split('/')
        .pop() ?? '';
    const key = this.store.keys.get(poolId);
    const valid =
      key !== undefined &&
      verify(
        'RSA-SHA256',
        Buffer.from(`${header}.${payload}`),
        createPublicKey(createPrivateKey(key.privateKey)),
        Buffer.from(signature, 'base64url'),
      );
    if (!valid || claims.token_use !== 'access') throw refused('Invalid Access Token');
    if (Number(claims.exp) * 1000 <= now) throw refused('Access Token has expired');
    if (this.store.revokedOrigins.get(String(claims.origin_jti)) !== undefined) throw refused('Access Token has been revoked');
    return claims;
  }
}
