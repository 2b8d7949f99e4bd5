/**
 * Authorizer results kept for `AuthorizerResultTtlInSeconds`, keyed by the authorizer and the
 * values of its identity sources: a request with the same values within the TTL gets the
 * kept result without the function being called.
 */
export class AuthorizerCache<T> {
  readonly #entries = new Map<string, { readonly value: T; readonly expires: number }>();

  get(authorizerId: string, identity: readonly string[], now: number): T | undefined {
    const key = keyOf(authorizerId, identity);
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(authorizerId: string, identity: readonly string[], value: T, now: number, ttlSeconds: number): void {
    if (ttlSeconds <= 0) return;
    this.#entries.set(keyOf(authorizerId, identity), { value, expires: now + ttlSeconds * 1000 });
  }
}

function keyOf(authorizerId: string, identity: readonly string[]): string {
  return JSON.stringify([authorizerId, ...identity]);
}
