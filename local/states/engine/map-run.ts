import type { MapRunCounts, MapRunReport } from './execution-types.js';
import type { StateHost } from './state-host.js';

/** A distributed Map's settings its Map Run reports (DescribeMapRun), once evaluated. */
export interface MapRunSettings {
  readonly mapRunArn: string;
  readonly label: string;
  readonly maxConcurrency: number;
  readonly toleratedFailureCount: number | undefined;
  readonly toleratedFailurePercentage: number | undefined;
}

/** A Map Run's child executions: one per item, or per batch of an ItemBatcher (`{Items: [...]}`). */
export interface MapRunUnits {
  readonly units: readonly unknown[];
  /** Each unit's child as it went: undefined until it starts. */
  readonly statuses: readonly ('RUNNING' | 'SUCCEEDED' | 'FAILED' | undefined)[];
}

type Status = MapRunReport['status'];

/**
 * Reports a distributed Map's Map Run to the execution's `onMapRun`, as it stands when called:
 * its status, and its items and child executions counted by how they went. A child that has not
 * ended when the Map Run fails or is stopped is counted aborted, as are those never started.
 * `children` are the Map Run's as they stand (none until it has read its items).
 */
export function mapRunReporter(x: StateHost, settings: MapRunSettings, children: () => MapRunUnits): (status: Status) => void {
  const startDate = x.clock.now();
  const { mapRunArn, label, maxConcurrency } = settings;
  const stateMachineArn = `${x.options.stateMachineArn}/${label}`;
  const items = (i: number) => {
    const batch = children().units[i] as { Items?: unknown[] } | undefined;
    return Array.isArray(batch?.Items) ? batch.Items.length : 1;
  };
  return (status) => {
    const ended = status !== 'RUNNING';
    x.options.onMapRun?.({
      mapRunArn,
      executionArn: x.options.executionArn,
      stateMachineArn,
      startDate,
      ...(ended ? { stopDate: x.clock.now() } : {}),
      status,
      maxConcurrency,
      toleratedFailureCount: settings.toleratedFailureCount ?? 0,
      toleratedFailurePercentage: settings.toleratedFailurePercentage ?? 0,
      itemCounts: counted(children(), status, items),
      executionCounts: counted(children(), status, () => 1),
    });
  };
}

/** The children (each weighing `weight`) by how they went; what the Map's result holds counts as written. */
function counted(children: MapRunUnits, status: Status, weight: (i: number) => number): MapRunCounts {
  const ended = status !== 'RUNNING';
  const sums = { pending: 0, running: 0, succeeded: 0, failed: 0, aborted: 0, total: 0 };
  children.units.forEach((_, i) => {
    const w = weight(i);
    const went = children.statuses[i];
    sums.total += w;
    if (went === 'SUCCEEDED') sums.succeeded += w;
    else if (went === 'FAILED') sums.failed += w;
    else if (ended) sums.aborted += w;
    else if (went === 'RUNNING') sums.running += w;
    else sums.pending += w;
  });
  // A Map Run that succeeds writes each child's result (a tolerated failure's error too) to the state's output or its ResultWriter.
  return { ...sums, timedOut: 0, resultsWritten: status === 'SUCCEEDED' ? sums.succeeded + sums.failed : 0 };
}
