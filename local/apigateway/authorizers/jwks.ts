/**
 * Where a JWT authorizer's public keys come from locally: a JWKS file named by
 * `SWITCHYARD_JWT_JWKS_<authorizer logical id>` (or its id), else the issuer's OpenID
 * configuration (`<issuer>/.well-known/openid-configuration` -> `jwks_uri`) when the issuer
 * and its `jwks_uri` are on this machine (loopback). The runtime reaches no other host.
 */
import type { JsonWebKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** Where a JWT authorizer's keys may come from instead of its issuer: a JWKS file named by an environment variable. */
export const JWKS_ENV_PREFIX = 'SWITCHYARD_JWT_JWKS_';

/** The JWKS file given for an authorizer, by its logical id or its id. */
export function jwksFileOf(
  authorizer: { readonly id: string; readonly logicalId: string },
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  return [env[`${JWKS_ENV_PREFIX}${authorizer.logicalId}`], env[`${JWKS_ENV_PREFIX}${authorizer.id}`]].find(
    (v) => v !== undefined && v !== '',
  );
}

/** The keys could not be had: the authorizer's routes answer 401, with the reason in the runtime log. */
export class JwksUnavailableError extends Error {
  override readonly name = 'JwksUnavailableError';
}

export interface JwksAuthorizer {
  readonly id: string;
  readonly logicalId: string;
  readonly issuer: string;
}

/** An http(s) URL whose host is this machine: `localhost`, `127.x.x.x`, `[::1]`. */
export function isLoopbackUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  const host = parsed.hostname.toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

export class JwksSource {
  readonly #loaded = new Map<string, readonly JsonWebKey[]>();

  constructor(private readonly env: Readonly<Record<string, string | undefined>>) {}

  /** The authorizer's keys, loaded once; `refresh` loads them again (a kid not seen yet: the issuer rotated its keys). */
  async keys(authorizer: JwksAuthorizer, refresh = false): Promise<readonly JsonWebKey[]> {
    const kept = this.#loaded.get(authorizer.id);
    if (kept && !refresh) return kept;
    const keys = await this.#load(authorizer);
    this.#loaded.set(authorizer.id, keys);
    return keys;
  }

  async #load(authorizer: JwksAuthorizer): Promise<readonly JsonWebKey[]> {
    const file = jwksFileOf(authorizer, this.env);
    if (file !== undefined) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new JwksUnavailableError(`the JWKS file ${file} could not be read`, { cause: error });
      }
      return keysOf(text, file);
    }
    if (!isLoopbackUrl(authorizer.issuer)) {
      throw new JwksUnavailableError(
        `the issuer ${authorizer.issuer} is not on this machine; name a JWKS file in ${JWKS_ENV_PREFIX}${authorizer.logicalId}`,
      );
    }
    const discovery = `${authorizer.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const configuration = (await fetchJson(discovery)) as { jwks_uri?: unknown };
    const jwksUri = String(configuration.jwks_uri ?? '');
    if (!isLoopbackUrl(jwksUri)) {
      throw new JwksUnavailableError(`the jwks_uri ${jwksUri || '(none)'} of ${discovery} is not on this machine`);
    }
    return keysOf(JSON.stringify(await fetchJson(jwksUri)), jwksUri);
  }
}

async function fetchJson(url: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  } catch (error) {
    throw new JwksUnavailableError(`${url} could not be reached`, { cause: error });
  }
  if (!response.ok) throw new JwksUnavailableError(`${url} answered ${response.status}`);
  try {
    return await response.json();
  } catch (error) {
    throw new JwksUnavailableError(`${url} did not answer JSON`, { cause: error });
  }
}

function keysOf(text: string, where: string): readonly JsonWebKey[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new JwksUnavailableError(`${where} is not JSON`, { cause: error });
  }
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw new JwksUnavailableError(`${where} is not a JWKS (no "keys" list)`);
  return keys as JsonWebKey[];
}
