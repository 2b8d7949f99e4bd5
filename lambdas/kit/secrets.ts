import { GetSecretValueCommand, type GetSecretValueCommandOutput, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from './errors.js';

export interface RotatingSecretOptions {
  readonly client: SecretsManagerClient;
  /** The secret's ARN or name (from an environment variable; the value never is). */
  readonly secretId: string;
  /**
   * How long a fetched value is used before it is fetched again.
   * @default 300_000 (5 minutes)
   */
  readonly cacheTtlMs?: number;
  /**
   * How long after the current version was created (a rotation, or PutSecretValue) the
   * previous version (AWSPREVIOUS) is still accepted: the time senders need to switch.
   * @default 86_400_000 (24 hours)
   */
  readonly previousGraceMs?: number;
  /**
   * The shortest time between two fetches forced by `refresh()` (a mismatch may mean the
   * secret was rotated since the cache was filled; this bounds what forged requests cost:
   * one GetSecretValue a second per execution environment at most).
   * @default 1_000
   */
  readonly minRefreshIntervalMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

interface Cached {
  readonly values: readonly string[];
  readonly fetchedAt: number;
}

/**
 * A signing secret from Secrets Manager, cached per execution environment. Rotation-safe:
 * besides AWSCURRENT it offers AWSPREVIOUS while the current version is younger than the
 * grace period, so deliveries signed with the old secret keep verifying while the sender
 * switches, and stop verifying after it.
 */
export class RotatingSecret {
  readonly #options: RotatingSecretOptions;
  readonly #now: () => number;
  #cached?: Cached;
  #inflight?: Promise<Cached>;

  constructor(options: RotatingSecretOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The accepted secret values, current first (fetched when the cache is empty or older than its TTL). */
  async values(): Promise<readonly string[]> {
    const cached = this.#cached;
    if (cached && this.#now() - cached.fetchedAt < (this.#options.cacheTtlMs ?? 300_000)) return cached.values;
    return (await this.#fetch()).values;
  }

  /**
   * Fetches again unless the cache was filled within `minRefreshIntervalMs`; resolves with
   * whether the values changed (then a failed check is worth trying again).
   */
  async refresh(): Promise<boolean> {
    const before = this.#cached;
    if (before && this.#now() - before.fetchedAt < (this.#options.minRefreshIntervalMs ?? 1_000)) return false;
    const after = await this.#fetch();
    return before === undefined || after.values.join('\n') !== before.values.join('\n');
  }

  #fetch(): Promise<Cached> {
    this.#inflight ??= this.#load().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #load(): Promise<Cached> {
    const { client, secretId } = this.#options;
    const current = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
    const values = [secretText(current, secretId)];
    const createdAt = current.CreatedDate?.getTime();
    const grace = this.#options.previousGraceMs ?? 86_400_000;
    if (createdAt !== undefined && this.#now() - createdAt < grace) {
      const previous = await client
        .send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSPREVIOUS' }))
        .catch((error: unknown) => {
          // A secret that was never rotated has no AWSPREVIOUS version.
          if ((error as Error).name === 'ResourceNotFoundException') return undefined;
          throw error;
        });
      if (previous) values.push(secretText(previous, secretId));
    }
    const cached = { values, fetchedAt: this.#now() };
    this.#cached = cached;
    return cached;
  }
}

function secretText(output: GetSecretValueCommandOutput, secretId: string): string {
  const text = output.SecretString ?? (output.SecretBinary ? Buffer.from(output.SecretBinary).toString('utf8') : undefined);
  if (text === undefined || text === '') throw new ConfigError(`secret ${secretId} (${output.VersionId ?? 'no version'}) holds no value`);
  return text;
}
