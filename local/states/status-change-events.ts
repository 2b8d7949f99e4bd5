import type { Clock } from '../time/clock.js';
import type { ExecutionRecord } from './execution-store.js';
import { redriveStatus } from './task-runner.js';

/** Where execution status changes go (EventsService). */
export interface StatusEventPublisher {
  putServiceEvent(
    busName: string,
    event: { source: string; 'detail-type': string; resources: readonly string[]; detail: unknown; time?: string },
  ): void;
}

/** Step Functions Execution Status Change on the default bus, as AWS sends for STANDARD executions. */
export class StatusChangeEvents {
  constructor(
    private readonly deps: {
      readonly publisher?: StatusEventPublisher;
      readonly clock: Clock;
      /** Once the service is closing, what ends then is a restart, not a change to announce. */
      readonly closed: () => boolean;
      readonly log?: (line: string) => void;
    },
  ) {}

  publish(record: ExecutionRecord): void {
    const publisher = this.deps.publisher;
    if (!publisher || this.deps.closed()) return;
    const redrive = redriveStatus(record.status);
    const at = record.status === 'RUNNING' ? (record.redriveDate ?? record.startDate) : (record.stopDate ?? this.deps.clock.now());
    try {
      publisher.putServiceEvent('default', {
        source: 'aws.states',
        'detail-type': 'Step Functions Execution Status Change',
        resources: [record.arn],
        time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        detail: {
          executionArn: record.arn,
          stateMachineArn: record.stateMachineArn,
          // The version or alias the execution was started through, null when neither (AWS's recorded events).
          stateMachineVersionArn: record.stateMachineVersionArn ?? null,
          stateMachineAliasArn: record.stateMachineAliasArn ?? null,
          name: record.name,
          status: record.status,
          startDate: record.startDate,
          stopDate: record.stopDate ?? null,
          input: record.input,
          output: record.output ?? null,
          inputDetails: { included: true },
          outputDetails: record.output === undefined ? null : { included: true },
          error: record.error ?? null,
          cause: record.cause ?? null,
          redriveCount: record.redriveCount,
          redriveDate: record.redriveDate ?? null,
          redriveStatus: redrive.status,
          redriveStatusReason: redrive.reason ?? null,
        },
      });
    } catch (error) {
      this.deps.log?.(`status change of ${record.arn} not published: ${(error as Error).message}`);
    }
  }
}
