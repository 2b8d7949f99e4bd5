import { createHmac } from 'node:crypto';

/** Role session keys start as STS's do, so a key is a role's or the administrator's by its look alone. */
export const ROLE_KEY_PREFIX = 'ASIA';

/** Whether an access key id is one of the role session keys the runtime hands out. */
export function isRoleSessionKey(accessKeyId: string | undefined): boolean {
  return typeof accessKeyId === 'string' && accessKeyId.startsWith(ROLE_KEY_PREFIX) && accessKeyId.length === 20;
}

/**
 * The secret of a role session key: an HMAC of the key under the runtime's own secret, so
 * that a signature check finds it from the key alone, as STS's keys are checked without a list.
 */
export function roleSessionSecret(masterSecret: string, accessKeyId: string): string {
  return createHmac('sha256', masterSecret).update(accessKeyId).digest('base64').slice(0, 40);
}

/**
 * The secrets a signature check looks keys up in: the configured keys, and every role
 * session key derived from the first configured secret (the one functions used to get).
 */
export function keyRing(credentials: readonly { readonly accessKeyId: string; readonly secretAccessKey: string }[]): {
  get(accessKeyId: string): string | undefined;
} {
  const secrets = new Map(credentials.map((c) => [c.accessKeyId, c.secretAccessKey]));
  const master = credentials[0]?.secretAccessKey;
  return {
    get(accessKeyId: string) {
      const configured = secrets.get(accessKeyId);
      if (configured !== undefined || master === undefined || !isRoleSessionKey(accessKeyId)) return configured;
      return roleSessionSecret(master, accessKeyId);
    },
  };
}
