import { TaskFailure } from '../states/engine/index.js';
import {
  abortable,
  executionArnOf,
  idempotentCall,
  isObject,
  missingField,
  serviceFailure,
  stateMachineArnOf,
} from '../states/integrations/shared.js';
import type { ActionRun, StepFunctionsIntegrations } from '../states/task-integrations.js';
import type { IdempotentCall } from '../store/idempotent-requests.js';
import type { EventsService } from './events-service.js';

/** The Java SDK's names in the errors of `events:` tasks. */
const ERRORS = { prefix: 'EventBridge', service: 'AmazonEventBridge', accessDenied: 'AmazonEventBridgeException' };

export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: number | string;
  TraceHeader?: string;
}

/** EventBridge's PutEvents (EventsService). */
export interface EventsForTasks {
  PutEvents(
    input: { Entries?: PutEventsEntry[] },
    options?: IdempotentCall,
  ): Promise<{
    FailedEntryCount?: number;
    Entries?: ({ EventId?: string } | { ErrorCode?: string; ErrorMessage?: string })[];
  }>;
}

/** `arn:aws:states:::events:putEvents`: a JSON Detail is put as its text; a failed entry fails the task. */
const eventsPutEvents: ActionRun<EventsForTasks> = async (env, events, args, request) => {
  if (!Array.isArray(args.Entries)) throw missingField('Entries', request);
  const machineArn = stateMachineArnOf(request);
  const executionArn = executionArnOf(request);
  const entries = args.Entries.map((entry) => {
    const e = { ...(isObject(entry) ? entry : {}) } as PutEventsEntry & Record<string, unknown>;
    if (e.Detail !== undefined && typeof e.Detail !== 'string') e.Detail = JSON.stringify(e.Detail);
    // Step Functions names the state machine and the execution in every event it puts.
    e.Resources = [...(Array.isArray(e.Resources) ? e.Resources : []), machineArn, executionArn];
    return e;
  });
  let response: Awaited<ReturnType<EventsForTasks['PutEvents']>>;
  try {
    response = await abortable(events.PutEvents({ Entries: entries }, idempotentCall(env, request)), request.signal);
  } catch (error) {
    if (request.signal.aborted) throw error;
    throw serviceFailure(ERRORS, error);
  }
  const result = { Entries: response.Entries ?? [], FailedEntryCount: response.FailedEntryCount ?? 0 };
  if (result.FailedEntryCount > 0) throw new TaskFailure('EventBridge.FailedEntry', JSON.stringify(result));
  return result;
};

/** EventBridge's Step Functions integrations: `events:putEvents` (and its callback pattern), and its API as `aws-sdk:eventbridge`. */
export const eventsStepFunctions: StepFunctionsIntegrations<EventsService> = {
  optimized: {
    errors: ERRORS,
    outputModel: 'events',
    exhaustive: true,
    actions: { putEvents: { patterns: ['request-response', 'waitForTaskToken'], run: eventsPutEvents } },
  },
  sdk: {
    eventbridge: {
      name: 'EventBridge',
      wireCase: 'pascal',
      timestamps: new Set([
        'CreationTime',
        'LastModifiedTime',
        'EventStartTime',
        'EventEndTime',
        'EventLastReplayedTime',
        'ReplayStartTime',
        'ReplayEndTime',
      ]),
      model: { package: '@aws-sdk/client-eventbridge', baseException: 'EventBridgeServiceException' },
      apiModel: 'events',
    },
  },
};
