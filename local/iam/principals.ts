import { createHash } from 'node:crypto';
import { isRoleSessionKey, ROLE_KEY_PREFIX, roleSessionSecret } from './session-keys.js';
import type { IamPrincipal } from './types.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export interface SessionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

/**
 * Who calls, from the credentials a request is signed with: each role session the runtime
 * gave out (a function's execution role, a state machine's role, an integration's role) has
 * a key of its own; any other key is the person at the terminal, the account's administrator.
 */
export class Principals {
  readonly #byKey = new Map<string, IamPrincipal & { kind: 'role' }>();

  constructor(private readonly masterSecret: string) {}

  /** The session credentials a role's session signs with, as Lambda puts them in a function's environment. */
  credentialsFor(roleArn: string, sessionName: string): SessionCredentials {
    const digest = createHash('sha256').update(`${roleArn}\0${sessionName}`).digest();
    let id = ROLE_KEY_PREFIX;
    for (let i = 0; id.length < 20; i++) id += BASE32[(digest[i] as number) % 32];
    this.#byKey.set(id, { kind: 'role', roleArn, sessionName });
    return {
      accessKeyId: id,
      secretAccessKey: roleSessionSecret(this.masterSecret, id),
      sessionToken: `switchyard-session-${id}`,
    };
  }

  /** The principal a key belongs to: a role's session, else the administrator. */
  principalOf(accessKeyId: string | undefined): IamPrincipal {
    if (accessKeyId === undefined || !isRoleSessionKey(accessKeyId)) return ADMIN;
    return this.#byKey.get(accessKeyId) ?? ADMIN;
  }
}

const ADMIN: IamPrincipal = { kind: 'admin' };

/** `arn:aws:sts::<account>:assumed-role/<name>/<session>`: how AWS names a role's session in its messages. */
export function sessionArn(roleArn: string, sessionName: string): string {
  const m = /^arn:([^:]+):iam::(\d{12}|[^:]*):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  if (!m) return roleArn;
  return `arn:${m[1]}:sts::${m[2]}:assumed-role/${m[3]}/${sessionName}`;
}
