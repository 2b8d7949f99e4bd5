import type { DatabaseSync } from 'node:sqlite';
import type { Clock } from '../time/clock.js';

/**
 * What a service's stateful parts are made with: the database they keep their state in, the
 * runtime's clock, and the account and region their ARNs name.
 */
export interface ServiceState {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly accountId: string;
  readonly region: string;
}
