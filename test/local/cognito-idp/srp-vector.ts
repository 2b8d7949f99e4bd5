import { readFileSync } from 'node:fs';

/**
 * A PASSWORD_VERIFIER exchange AWS's own client (amazon-cognito-identity-js) computed against the
 * local server's challenge (srp-vector.json): the server's and the CLI's SRP are both checked on it.
 */
export const srpVector = JSON.parse(readFileSync(new URL('./srp-vector.json', import.meta.url), 'utf8')) as {
  poolId: string;
  username: string;
  kept: { salt: string; verifier: string };
  srpA: string;
  b: string;
  B: string;
  secretBlock: string;
  timestamp: string;
  signature: string;
};
