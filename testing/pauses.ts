import { readAssembly } from '../inspect/assembly.js';
import { CliError } from '../inspect/errors.js';
import { pauseOrResume, settle } from '../inspect/pauses.js';
import { cliClients, closeCliClients } from './failures.js';
import { poll, TestAppError, type WaitOptions } from './poll.js';
import type { RunningApp } from './start.js';

/** One consumer a pause or resume of the app acted on, as `switchyard pause` lists it. */
export interface ConsumerPause {
  /** `<queue> -> <function>` for a mapping, `schedule <name>`, `scheduled rule <name>`. */
  readonly consumer: string;
  /** What it is: an SQS event source mapping, a Scheduler schedule or a scheduled EventBridge rule. */
  readonly kind: 'mapping' | 'schedule' | 'rule';
  /** Its state once settled: `Disabled`/`Enabled` (a mapping), `DISABLED`/`ENABLED` (a schedule or rule). */
  readonly state: string;
  /** False when it already was as asked, or its template disables it (left alone). */
  readonly changed: boolean;
}

/**
 * Pauses (`stop`) or resumes what `name` names, as `switchyard pause`/`resume` do, and waits
 * until each mapping it changed has settled (Disabled: its batches in flight ended and it
 * receives nothing more; Enabled: it polls), so the test's next step sees it paused or running.
 */
export async function setPaused(app: RunningApp, name: string, stop: boolean, options: WaitOptions = {}): Promise<ConsumerPause[]> {
  const clients = cliClients(app);
  try {
    const report = await pauseOrResume(clients, readAssembly(app.cdkOut), name, stop).catch((error: unknown) => {
      throw error instanceof CliError ? new TestAppError(error.message) : error;
    });
    const settled = await settle(clients, report.consumers, stop, (check, what, seen) => poll(check, what, seen, options));
    return settled.map(({ consumer, state, changed }) => ({ consumer: consumer.label, kind: consumer.kind, state, changed }));
  } finally {
    closeCliClients(clients);
  }
}
