import type { DatabaseSync } from 'node:sqlite';

/**
 * The places a test can make the runtime's process die at, for the moments a random SIGKILL
 * (`TestApp.crash()`) almost never lands on:
 * - `eventbridgev2-after-send`: a Custom Event Bus subscriber's target took a batch, and the
 *   events are not yet recorded as delivered (the duplicate a FIFO target must absorb).
 * - `firehose-after-delivery`: a Firehose flush wrote its S3 objects, and its records are not
 *   yet deleted from the stream's buffer (the batch the restart delivers again, under the same keys).
 * - `logs-metric-filter-before-publish`: log events and the metric data their filters make are
 *   committed, and the data not yet published (what the restart must publish).
 * - `logs-metric-filter-after-publish`: CloudWatch stored a metric filter's data, and the
 *   publication is not yet deleted (the restart publishes it again: CloudWatch must store it once).
 */
export const CRASH_POINTS = [
  'eventbridgev2-after-send',
  'firehose-after-delivery',
  'logs-metric-filter-before-publish',
  'logs-metric-filter-after-publish',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** The environment variable naming the crash points (comma-separated); testing only. */
export const CRASH_POINT_VARIABLE = 'SWITCHYARD_CRASH_AT';

/** SWITCHYARD_CRASH_AT names a point this runtime does not have. */
export class CrashPointError extends Error {
  override readonly name = 'CrashPointError';
}

/**
 * Testing-only crash points, read from SWITCHYARD_CRASH_AT at start. A named point kills the
 * process with SIGKILL the first time it is reached, once per data folder: the point is
 * recorded as fired (committed) before the kill, so the restart on the same folder, which
 * inherits the variable, runs on past it and shows what the crash left.
 */
export class CrashPoints {
  readonly #armed: ReadonlySet<CrashPoint>;

  /** @throws CrashPointError naming the unknown point and the points there are */
  constructor(
    private readonly db: DatabaseSync,
    setting: string | undefined = process.env[CRASH_POINT_VARIABLE],
  ) {
    const names = (setting ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    for (const name of names)
      if (!(CRASH_POINTS as readonly string[]).includes(name))
        throw new CrashPointError(
          `${CRASH_POINT_VARIABLE}=${setting} names the crash point ${JSON.stringify(name)}, which this runtime does not have: use one of ${CRASH_POINTS.join(', ')}, or unset the variable`,
        );
    this.#armed = new Set(names as CrashPoint[]);
    if (this.#armed.size > 0) db.exec('CREATE TABLE IF NOT EXISTS crash_points_fired (point TEXT PRIMARY KEY)');
  }

  /** Dies here (SIGKILL) if `point` is armed and has not fired in this data folder yet. */
  reached(point: CrashPoint): void {
    if (!this.#armed.has(point)) return;
    const fired = this.db.prepare('INSERT OR IGNORE INTO crash_points_fired (point) VALUES (?)').run(point);
    if (fired.changes === 0) return;
    process.kill(process.pid, 'SIGKILL');
  }
}
