import type { Credentials } from './guard.js';

/** `npm start --help` lines for the options main.ts passes to trustSettings. */
export const TRUST_HELP = `  --host      address to listen on (default 127.0.0.1, this machine only); env SWITCHYARD_HOST.
              Another address (0.0.0.0) makes the endpoint reachable from other machines
  --allow-host <name>
              a Host name to answer besides loopback ones (repeatable); env SWITCHYARD_ALLOW_HOSTS=a,b
  --verify-signatures
              refuse requests not signed (SigV4) with one of the --credentials; env SWITCHYARD_VERIFY_SIGNATURES=1
  --credentials <accessKeyId>:<secretAccessKey>
              the keys signatures are checked against (repeatable); env SWITCHYARD_CREDENTIALS=id:secret,id:secret
              (the environment keeps the secret out of the process list)`;

export interface TrustSettings {
  readonly host: string;
  readonly allowHosts: readonly string[];
  readonly verifySignatures?: { readonly credentials: readonly Credentials[] };
}

/**
 * The trust settings from the command line and the environment (the command line wins).
 * Throws an Error with a message for the user when they do not fit together.
 */
export function trustSettings(
  values: { host?: string; 'allow-host'?: string[]; 'verify-signatures'?: boolean; credentials?: string[] },
  env: NodeJS.ProcessEnv = process.env,
): TrustSettings {
  const host = values.host ?? env.SWITCHYARD_HOST ?? '127.0.0.1';
  const allowHosts = [...(values['allow-host'] ?? []), ...list(env.SWITCHYARD_ALLOW_HOSTS)];
  const verify = values['verify-signatures'] ?? /^(1|true|yes)$/i.test(env.SWITCHYARD_VERIFY_SIGNATURES ?? '');
  const given = values.credentials?.length ? values.credentials : list(env.SWITCHYARD_CREDENTIALS);
  const credentials = given.map((pair) => {
    const colon = pair.indexOf(':');
    if (colon <= 0 || colon === pair.length - 1) {
      throw new Error(`--credentials ${JSON.stringify(pair.replace(/:.*/s, ':...'))}: expected <accessKeyId>:<secretAccessKey>`);
    }
    return { accessKeyId: pair.slice(0, colon), secretAccessKey: pair.slice(colon + 1) };
  });
  if (verify && credentials.length === 0) {
    throw new Error('--verify-signatures needs the keys to check against: --credentials <accessKeyId>:<secret> or SWITCHYARD_CREDENTIALS');
  }
  if (!verify && credentials.length > 0) {
    throw new Error('--credentials is given but signatures are not verified: add --verify-signatures (or SWITCHYARD_VERIFY_SIGNATURES=1)');
  }
  return { host, allowHosts, ...(verify ? { verifySignatures: { credentials } } : {}) };
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
