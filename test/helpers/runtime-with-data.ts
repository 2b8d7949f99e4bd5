import { LocalRuntime, type RuntimeOptions } from '../../local/runtime.js';
import type { TemplateResource } from '../../local/template/cloud-assembly.js';
import { disposableData, region } from '../local/helpers.js';
import { eventRule, sqsQueue } from '../local/template-resources.js';

const ACCOUNT = '000000000000';

/** Queue `work`, whose messages SQS moves to `work-dlq` after one receive (maxReceiveCount 1). */
export const DEAD_LETTER_QUEUES: Readonly<Record<string, TemplateResource>> = {
  Work: sqsQueue('work', { deadLetterQueue: 'WorkDlq', maxReceiveCount: 1 }),
  WorkDlq: sqsQueue('work-dlq'),
};

/** Rule `to-seen` on the default bus sends events of source `probe` to queue `seen`; archive `all` keeps every event of the bus. */
export const ARCHIVED_RULE: Readonly<Record<string, TemplateResource>> = {
  Seen: sqsQueue('seen'),
  Archive: {
    Type: 'AWS::Events::Archive',
    Properties: { ArchiveName: 'all', SourceArn: `arn:aws:events:${region}:${ACCOUNT}:event-bus/default`, RetentionDays: 1 },
  },
  ToSeen: eventRule({ name: 'to-seen', pattern: { source: ['probe'] }, target: 'Seen', id: 'seen' }),
};

/**
 * Runtimes on data folders, each started on a port of its own and quiet unless told
 * otherwise; `stopAll` stops every one started (in afterAll or afterEach), so that a test
 * that fails half-way leaves no runtime holding its data folder.
 */
export class RuntimesWithData {
  readonly #started: LocalRuntime[] = [];

  /** Starts a runtime of `cdkOut` on a new data folder, or on `options.dataDir` (a folder a runtime used before). */
  async start(cdkOut: string, options: Partial<RuntimeOptions> = {}): Promise<LocalRuntime> {
    const runtime = await LocalRuntime.start({ cdkOut, ...disposableData(), port: 0, log: () => undefined, ...options });
    this.#started.push(runtime);
    return runtime;
  }

  async stopAll(): Promise<void> {
    for (const runtime of this.#started.splice(0)) await runtime.stop();
  }
}
