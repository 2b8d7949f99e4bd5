import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../endpoint/aws-error.js';
import { JsonTable } from '../store/json-table.js';
import type { MapRunReport } from './engine/index.js';
import { BY_OFFSET, pageOf, parseExecutionArn, required, seconds } from './names.js';

/**
 * The Map Runs of distributed Map states (ListMapRuns, DescribeMapRun), as the engine reports
 * them when they start and end, kept in SQLite by ARN with the executions they belong to.
 */
export class MapRuns {
  readonly #table: JsonTable<MapRunReport>;

  constructor(
    db: DatabaseSync,
    /** Throws ExecutionDoesNotExist for an execution that is not there. */
    private readonly execution: (executionArn: string) => unknown,
  ) {
    this.#table = new JsonTable(db, 'sfn_map_runs', 'arn');
  }

  /** The engine's report of a Map Run (ExecutionOptions.onMapRun). */
  record(run: MapRunReport): void {
    this.#table.put(run.mapRunArn, run);
  }

  /** An execution's Map Runs, in the order they started. */
  async ListMapRuns(input: { executionArn?: string; maxResults?: number; nextToken?: string }) {
    const executionArn = required(input.executionArn, 'executionArn');
    parseExecutionArn(executionArn);
    this.execution(executionArn);
    const runs = this.#table
      .all()
      .filter((run) => run.executionArn === executionArn)
      .sort((a, b) => a.startDate - b.startDate);
    const { page, nextToken } = pageOf(runs, input, `map-runs|${executionArn}`, BY_OFFSET);
    return {
      mapRuns: page.map((run) => ({
        executionArn: run.executionArn,
        mapRunArn: run.mapRunArn,
        stateMachineArn: run.stateMachineArn,
        startDate: seconds(run.startDate),
        stopDate: run.stopDate === undefined ? undefined : seconds(run.stopDate),
      })),
      nextToken,
    };
  }

  async DescribeMapRun(input: { mapRunArn?: string }) {
    const mapRunArn = required(input.mapRunArn, 'mapRunArn');
    const run = this.#table.get(mapRunArn);
    if (!run) throw new AwsError('ResourceNotFound', `Resource not found: '${mapRunArn}'`);
    const { stateMachineArn: _stateMachineArn, ...answer } = run;
    return { ...answer, startDate: seconds(run.startDate), stopDate: run.stopDate === undefined ? undefined : seconds(run.stopDate) };
  }
}
