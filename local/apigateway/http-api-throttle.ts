import type { StageThrottling, ThrottleLimits } from './http-api-access-definitions.js';

/**
 * A token bucket: `burst` tokens to start with, refilled at `rate` a second up to `burst`;
 * each request takes one, and a request that finds none is throttled.
 */
export class TokenBucket {
  #tokens: number;
  #updated: number;

  constructor(
    private readonly limits: ThrottleLimits,
    now: number,
  ) {
    this.#tokens = limits.burst;
    this.#updated = now;
  }

  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.#updated) / 1000;
    this.#tokens = Math.min(this.limits.burst, this.#tokens + elapsed * this.limits.rate);
    this.#updated = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/**
 * Route throttling as a stage sets it: one bucket per route of each API stage, sized by the
 * route's own `RouteSettings` or else the stage's `DefaultRouteSettings`; routes without either
 * are not throttled (the account's limits are not modelled).
 */
export class RouteThrottles {
  readonly #buckets = new Map<string, TokenBucket>();

  /** Whether the request may go on; false: answer 429. */
  allow(apiId: string, stage: string, throttling: StageThrottling | undefined, routeKey: string, now: number): boolean {
    const limits = throttling?.routes[routeKey] ?? throttling?.defaults;
    if (limits === undefined) return true;
    const key = JSON.stringify([apiId, stage, routeKey]);
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(limits, now);
      this.#buckets.set(key, bucket);
    }
    return bucket.take(now);
  }
}
