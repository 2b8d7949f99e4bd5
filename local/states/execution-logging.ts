import { FAILED_EXECUTION_END_EVENTS } from '../../clients/execution-statuses.js';
import { AwsError } from '../endpoint/aws-error.js';
import type { HistoryEvent } from './engine/index.js';
import { isObject } from './integrations/shared.js';

/** CloudWatch Logs as Step Functions writes to it (the logs service's own `write`). */
export interface LogsForStates {
  write(group: string, stream: string, events: readonly { timestamp: number; message: string }[]): void;
  /** Whether the log group exists: executions log only to one that does, and a configuration naming another is refused. */
  hasGroup(name: string): boolean;
  /** Creates a stream in a group that exists, unless it has one by that name. */
  openStream(group: string, stream: string): void;
}

/**
 * The stream AWS's log delivery leaves in a group once a state machine is configured to log to it
 * (its check that it may deliver there), before any execution's.
 */
const DELIVERY_CHECK_STREAM = 'log_stream_created_by_aws_to_validate_log_delivery_subscriptions';

/** A state machine's `loggingConfiguration`, as the API shapes it. */
interface LoggingConfiguration {
  level?: string;
  includeExecutionData?: boolean;
  destinations?: { cloudWatchLogsLogGroup?: { logGroupArn?: string } }[];
}

/** The events each level logs (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-log-level). */
const FATAL_EVENTS = new Set(FAILED_EXECUTION_END_EVENTS);
const ERROR_EVENTS = new Set([
  ...FATAL_EVENTS,
  'FailStateEntered',
  'LambdaFunctionFailed',
  'LambdaFunctionScheduleFailed',
  'LambdaFunctionStartFailed',
  'LambdaFunctionTimedOut',
  'MapStateAborted',
  'MapStateFailed',
  'MapIterationAborted',
  'MapIterationFailed',
  'MapRunAborted',
  'MapRunFailed',
  'ParallelStateAborted',
  'ParallelStateFailed',
  'TaskFailed',
  'TaskStartFailed',
  'TaskStateAborted',
  'TaskSubmitFailed',
  'TaskTimedOut',
  'WaitStateAborted',
  'ActivityFailed',
  'ActivityScheduleFailed',
  'ActivityTimedOut',
  'EvaluationFailed',
]);

/** The parsed settings of one configuration text, so that starting an execution does not parse it again. */
interface Settings {
  readonly group: string;
  readonly logs: (type: string) => boolean;
  readonly includeData: boolean;
}

/**
 * Execution logging to CloudWatch Logs, as a state machine's `loggingConfiguration` asks:
 * each history event the level covers becomes one log record in Step Functions' format
 * (string ids and timestamps, `details` without input and output unless
 * `includeExecutionData`), in the stream `states/<machine>/<YYYY-MM-DD-HH-mm>/00000000`
 * of the configured group. A machine whose level is OFF costs one map look-up per execution.
 */
export class ExecutionLogging {
  readonly #settings = new Map<string, Settings | undefined>();

  constructor(private readonly logs: LogsForStates | undefined) {}

  /** A configuration checked (against the log groups there are) and as it is kept: checkLoggingConfiguration. */
  check(value: unknown): string | undefined {
    const logs = this.logs;
    return checkLoggingConfiguration(value, logs && ((name) => logs.hasGroup(name)));
  }

  /** A machine now logs with this configuration (its kept text): its group gets the delivery check's stream, as on AWS. */
  configured(loggingConfiguration: string | undefined): void {
    if (loggingConfiguration === undefined) return;
    const group = logGroupOf(JSON.parse(loggingConfiguration) as LoggingConfiguration);
    if (group !== undefined) this.logs?.openStream(group, DELIVERY_CHECK_STREAM);
  }

  /**
   * The history sink of an execution of a machine with this configuration (JSON text, as
   * stored), or undefined when nothing is logged.
   */
  sinkFor(
    loggingConfiguration: string | undefined,
    execution: { arn: string; stateMachineName: string; startDate: number; redriveCount: number },
  ): ((event: HistoryEvent) => void) | undefined {
    const logs = this.logs;
    if (!logs || loggingConfiguration === undefined) return undefined;
    const settings = this.#parse(loggingConfiguration);
    if (!settings) return undefined;
    const stream = `states/${execution.stateMachineName}/${new Date(execution.startDate).toISOString().slice(0, 16).replace(/[T:]/g, '-')}/00000000`;
    const redriveCount = String(execution.redriveCount);
    return (event) => {
      // A group deleted since the machine was configured gets nothing, as AWS delivers nowhere.
      if (!settings.logs(event.type) || !logs.hasGroup(settings.group)) return;
      logs.write(settings.group, stream, [
        { timestamp: event.timestamp, message: logRecord(event, execution.arn, redriveCount, settings.includeData) },
      ]);
    };
  }

  #parse(text: string): Settings | undefined {
    if (this.#settings.has(text)) return this.#settings.get(text);
    let settings: Settings | undefined;
    try {
      const config = JSON.parse(text) as LoggingConfiguration;
      const group = logGroupOf(config);
      const level = config.level ?? 'OFF';
      if (group !== undefined && level !== 'OFF') {
        settings = {
          group,
          includeData: config.includeExecutionData === true,
          logs: level === 'ALL' ? () => true : level === 'ERROR' ? (type) => ERROR_EVENTS.has(type) : (type) => FATAL_EVENTS.has(type),
        };
      }
    } catch {
      settings = undefined;
    }
    this.#settings.set(text, settings);
    return settings;
  }
}

const invalidLogging = (message: string) => new AwsError('InvalidLoggingConfiguration', `Invalid Logging Configuration: ${message}`);

/**
 * A `loggingConfiguration` as CreateStateMachine and UpdateStateMachine take it: refused as AWS
 * refuses it (an unknown level; a level other than OFF without exactly one destination, or more
 * than one; a log group ARN without its `:*` qualifier; a group that does not exist, where
 * `groupExists` can tell), else its JSON text as DescribeStateMachine answers it (AWS's recorded
 * answers: `level` OFF and `includeExecutionData` false unless given, `destinations` as given).
 */
export function checkLoggingConfiguration(value: unknown, groupExists?: (name: string) => boolean): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalidLogging('loggingConfiguration must be an object.');
  const config = value as LoggingConfiguration;
  const level = config.level ?? 'OFF';
  if (!['ALL', 'ERROR', 'FATAL', 'OFF'].includes(level)) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${String(level)}' at 'loggingConfiguration.level' failed to satisfy constraint: Member must satisfy enum value set: [ALL, ERROR, FATAL, OFF]`,
    );
  }
  const destinations = config.destinations ?? [];
  if (destinations.length > 1 || (level !== 'OFF' && destinations.length === 0))
    throw invalidLogging('Must specify exactly one Log Destination.');
  const arn = destinations[0]?.cloudWatchLogsLogGroup?.logGroupArn;
  if (destinations.length === 1 && (typeof arn !== 'string' || !/^arn:[\w-]+:logs:[^:]*:\d*:log-group:[^:]+:\*$/.test(arn))) {
    throw invalidLogging("Log Group ARN must be provided with '*' qualifier.");
  }
  const group = logGroupOf(config);
  if (group !== undefined && groupExists && !groupExists(group)) throw invalidLogging('Log Destination not found.');
  return JSON.stringify({
    level,
    includeExecutionData: config.includeExecutionData === true,
    ...(config.destinations === undefined ? {} : { destinations: config.destinations }),
  });
}

/** The log group a configuration's (first) destination names. */
function logGroupOf(config: LoggingConfiguration): string | undefined {
  const arn = config.destinations?.[0]?.cloudWatchLogsLogGroup?.logGroupArn;
  return arn === undefined ? undefined : /:log-group:([^:]+)/.exec(arn)?.[1];
}

/** One history event as Step Functions logs it. */
function logRecord(event: HistoryEvent, executionArn: string, redriveCount: string, includeData: boolean): string {
  let details: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventDetails') && isObject(value)) details = value;
  }
  if (!includeData) {
    // AWS's recorded records: without execution data, the data's details go with it.
    const { input: _input, inputDetails: _inputDetails, output: _output, outputDetails: _outputDetails, ...rest } = details;
    details = rest;
  }
  return JSON.stringify({
    id: String(event.id),
    type: event.type,
    details,
    previous_event_id: String(event.previousEventId),
    event_timestamp: String(event.timestamp),
    execution_arn: executionArn,
    redrive_count: redriveCount,
  });
}
