import { executionEndStatus } from '../../clients/execution-statuses.js';
import { executionSegment, parseTraceHeader, stateSegment } from '../endpoint/trace-header.js';
import { modelValidator } from '../endpoint/validation/validator.js';
import { untrustedRoleWarnings } from '../iam/module.js';
import type { ReadRecorder } from '../read-api/read-api.js';
import type { ReadNotes } from '../read-api/read-notes.js';
import { apiOperations } from '../service-registry/operation-table.js';
import type { ServiceLookup, ServiceModule } from '../service-registry/service-module.js';
import type { Clock } from '../time/clock.js';
import { statesCatalog } from './catalog-definitions.js';
import { type StateMachineTemplate, stateMachineDefinitions } from './definitions.js';
import type { HistoryEvent } from './engine/index.js';
import type { ExecutionRecord } from './execution-store.js';
import { statesIam } from './iam-authorizations.js';
import { statesStepFunctions } from './integrations/states.js';
import { executionTraceHeader } from './names.js';
import { stateMachineReads } from './read-routes.js';
import { STATES_TYPE_SPECS } from './resource-types.js';
import { stateMachineReport } from './startup-lines.js';
import { StatesService } from './states-service.js';
import { connectIntegrations } from './task-integrations.js';

/** ListExecutions' statusFilter as AWS lists its values when it refuses one (its recorded answers), not in the model's order. */
const STATES_ENUM_ORDERS = [['SUCCEEDED', 'TIMED_OUT', 'PENDING_REDRIVE', 'ABORTED', 'FAILED', 'RUNNING']];

declare module '../service-registry/service-module.js' {
  interface ServiceTypes {
    states: StatesService;
  }
  interface ServiceOptions {
    /**
     * Step Functions' own clock: a test passes an AdvanceableClock to move executions past
     * SLAs and retry backoffs without waiting them out, while the other services keep real time.
     * @default the runtime's clock
     */
    readonly statesClock?: Clock;
  }
}

/** Its notes to the read API (local/read-api/read-notes.ts). */
declare module '../read-api/read-notes.js' {
  interface ReadNotes {
    /** Step Functions recorded a history event of an execution. */
    historyEvent: { readonly execution: ExecutionRecord; readonly event: HistoryEvent };
  }
}

/** The API models it serves (`apis`), for the endpoint's model loader. */
declare module '../endpoint/validation/model.js' {
  interface ApiModels {
    stepfunctions: 'states';
  }
}

declare module '../service-registry/service-definitions.js' {
  interface ServiceDefinitions {
    readonly stateMachines: readonly StateMachineTemplate[];
  }
}

/** Step Functions: the template's state machines; STANDARD executions resume after a restart where their history ends. */
export const statesModule: ServiceModule<'states', ReturnType<typeof statesCatalog>> = {
  name: 'states',
  iam: statesIam,
  // The operations it serves are StatesService's methods.
  apis: [{ model: 'stepfunctions', operations: apiOperations(StatesService) }],
  sdkClients: [{ package: '@aws-sdk/client-sfn', serviceId: 'SFN' }],
  stepFunctions: statesStepFunctions,
  // And every module that declares Step Functions integrations (collects).
  needs: ['template', 'iam', 'readApi', 'traces', 'events', 'logs'],
  collects: 'stepFunctions',
  databases: ['states'],
  resourceTypes: STATES_TYPE_SPECS,
  // A new execution runs the new definition; executions in flight finish on the one they started with.
  reloads: {
    types: [
      'AWS::StepFunctions::StateMachine',
      'AWS::StepFunctions::Activity',
      'AWS::StepFunctions::StateMachineVersion',
      'AWS::StepFunctions::StateMachineAlias',
    ],
  },
  shares: stateMachineDefinitions,
  records: (recorder) => ({ historyEvent: (note) => recordHistoryEvent(recorder, note) }),
  // Its activities, versions and aliases: only Step Functions reads them.
  definitions: (app) => statesCatalog(app),
  create({ settings, database, services, warn, contributions }, catalog) {
    const { accountId, region, log } = settings;
    const clock = settings.options.statesClock ?? settings.clock;
    const { definitions } = services.get('template');
    // Its own integrations its service runs against itself (it exists only once this returns).
    const integrations = contributions('stepFunctions').flatMap(({ name, iam, value }) =>
      value === statesStepFunctions ? [] : [{ name, iam, stepFunctions: value }],
    );
    const connected = connectIntegrations(integrations, { services, settings });
    const states = new StatesService({
      db: database('states'),
      clock,
      accountId,
      region,
      stateMachines: definitions.stateMachines,
      catalog,
      integrations,
      services: connected.services,
      statusEvents: services.get('events'),
      // The execution's role makes each task's request: IAM checks it as AWS checks the role's session.
      authorizeTask: async (task) => {
        const iam = services.get('iam');
        const principal = { kind: 'role', roleArn: task.roleArn, sessionName: task.sessionName } as const;
        const requests = iam.authorizationsOf(task.service, task.operation, task.input);
        return (await iam.authorize(principal, requests, `state ${task.stateName}`))?.message;
      },
      logs: services.get('logs'),
      log: (line) => log(`[states] ${line}`),
      onHistoryEvent: historyObserver(services),
    });
    return {
      service: states,
      reload: ({ definitions, app }) => {
        const machines = states.declareStateMachines(definitions.stateMachines);
        states.declareCatalog(statesCatalog(app));
        return {
          reloaded: [
            ...machines.changed.map((name) => `state machine ${name}`),
            ...machines.added.map((name) => `state machine ${name} (new)`),
          ],
        };
      },
      mounts: {
        json: [
          {
            targetPrefix: 'AWSStepFunctions',
            jsonVersion: '1.0',
            operations: states.operations,
            // Its answers show a structure as its Java class does (AWS's recorded routing configuration errors).
            validate: modelValidator('stepfunctions', { namedStructures: true, enumOrders: STATES_ENUM_ORDERS }),
          },
        ],
        reads: stateMachineReads(states),
      },
      start: async () => {
        await states.start();
        warn(states.warnings);
        // Step Functions assumes the role for the state machine: `aws:SourceArn` is its ARN (the confused-deputy guard CDK writes).
        const roles = definitions.stateMachines.map((m) => ({ what: `state machine ${m.name}`, roleArn: m.roleArn, sourceArn: m.arn }));
        warn(await untrustedRoleWarnings(services.get('iam'), 'states.amazonaws.com', roles));
      },
      warm: (idle) => states.warm(idle),
      // Before Lambda stops (Step Functions needs it): with Lambda gone, an invocation in flight would be recorded as a task failure.
      stop: () => states.close(),
      close: () => connected.disconnect(),
    };
  },
  report: (_states, { definitions, url }) => stateMachineReport(definitions.stateMachines, url, definitions),
};

/** Who hears each history event: the read API (its records and live feed) and the runtime's spans (executions and states). */
function historyObserver(services: ServiceLookup): (execution: ExecutionRecord, event: HistoryEvent) => void {
  const readApi = services.get('readApi');
  const { spans } = services.get('traces');
  return (execution, event) => {
    readApi.record('historyEvent', { execution, event });
    const startedWith = execution.traceHeader;
    spans.executionStep({ execution, event, traceHeader: executionTraceHeader(execution), ...(startedWith ? { startedWith } : {}) });
  };
}

/** Records in the read API a history event Step Functions recorded: an execution's node, its task states' segments, its end. */
function recordHistoryEvent({ records, publish }: ReadRecorder, { execution, event }: ReadNotes['historyEvent']): void {
  const final = executionEndStatus(event.type);
  const status = final ?? 'RUNNING';
  if (event.type === 'ExecutionStarted') {
    const parent = parseTraceHeader(execution.traceHeader)?.parent;
    records.putNode(
      {
        kind: 'execution',
        id: execution.arn,
        segment: executionSegment(execution.arn),
        label: `${execution.stateMachineName} execution ${execution.name}`,
        time: event.timestamp,
        status: 'RUNNING',
        attributes: {
          stateMachine: execution.stateMachineName,
          stateMachineArn: execution.stateMachineArn,
          name: execution.name,
          type: execution.arn.includes(':express:') ? 'EXPRESS' : 'STANDARD',
        },
      },
      parent ? [parent] : [],
    );
  } else if (event.type === 'TaskStateEntered') {
    // A task's calls carry its state's segment (local/states/task-runner.ts): they are the execution's.
    records.putInnerSegment(stateSegment(execution.arn, event.id), executionSegment(execution.arn), event.timestamp);
  } else if (final) {
    const details = Object.values(event).find((value) => value !== null && typeof value === 'object') as
      | { error?: string; cause?: string }
      | undefined;
    const reason = final === 'SUCCEEDED' ? undefined : [details?.error, details?.cause].filter(Boolean).join(': ') || undefined;
    records.setStatus('execution', execution.arn, final, reason);
  }
  publish({
    kind: 'execution',
    executionArn: execution.arn,
    stateMachineArn: execution.stateMachineArn,
    status,
    historyEvent: { id: event.id, type: event.type, timestamp: new Date(event.timestamp).toISOString() },
  });
}
