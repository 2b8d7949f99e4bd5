import { partitionOf } from '../template/resolve.js';
import type { Clock } from '../time/clock.js';
import type { ParameterRow, SsmStore } from './ssm-store.js';

export interface SsmContextOptions {
  readonly clock: Clock;
  readonly accountId: string;
  readonly region: string;
}

export type Tag = { Key: string; Value: string };

/** A parameter's ARN: `parameter` and its name, with a leading slash (`db` is `parameter/db`). */
export function parameterArn(name: string, { region, accountId }: Pick<SsmContextOptions, 'region' | 'accountId'>): string {
  const path = name.startsWith('/') ? name : `/${name}`;
  return `arn:${partitionOf(region)}:ssm:${region}:${accountId}:parameter${path}`;
}

/** What every part of the SSM service shares: the store, the settings, and how a parameter is found and named. */
export class SsmContext {
  constructor(
    readonly store: SsmStore,
    readonly options: SsmContextOptions,
  ) {}

  /**
   * The parameter by name; a name without its leading slash, or its ARN, finds it too. A root
   * name goes either way: its ARN (`parameter/db`) is read as `/db`, and finds `db` as AWS does.
   */
  find(name: string, version?: number): ParameterRow | undefined {
    const other = name.startsWith('/') ? (name.indexOf('/', 1) === -1 ? name.slice(1) : undefined) : `/${name}`;
    return this.store.get(name, version) ?? (other === undefined ? undefined : this.store.get(other, version));
  }

  arn(name: string): string {
    return parameterArn(name, this.options);
  }

  /** Who SSM says last modified a parameter: the account's root, as no caller is known locally. */
  get lastModifiedUser(): string {
    return `arn:aws:iam::${this.options.accountId}:root`;
  }
}
