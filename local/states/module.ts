import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { modelValidator } from '../endpoint/validation/validator.js';
import { untrustedRoleWarnings } from '../iam/module.js';
import { s3SdkOperations } from '../s3/sdk-operations.js';
import type { ServiceLookup, ServiceModule } from '../services/service-module.js';
import { type StateMachineTemplate, stateMachineDefinitions } from './definitions.js';
import type { HistoryEvent } from './engine/index.js';
import type { ExecutionRecord } from './execution-store.js';
import { statesIam } from './iam-authorizations.js';
import { executionTraceHeader } from './names.js';
import { STATES_TYPE_SPECS } from './resource-types.js';
import { stateMachineReport } from './startup-lines.js';
import { StatesService } from './states-service.js';
import { sdkDynamoDb } from './task-runner.js';

declare module '../services/service-module.js' {
  interface ServiceTypes {
    states: StatesService;
  }
  interface RuntimeOptions {
    /**
     * Step Functions' own clock: a test passes an AdvanceableClock to move executions past
     * SLAs and retry backoffs without waiting them out, while the other services keep real time.
     * @default the runtime's clock
     */
    readonly statesClock?: Clock;
  }
}

declare module '../service-definitions.js' {
  interface ServiceDefinitions {
    readonly stateMachines: readonly StateMachineTemplate[];
  }
}

/** Step Functions: the template's state machines; STANDARD executions resume after a restart where their history ends. */
export const statesModule: ServiceModule<'states'> = {
  name: 'states',
  iam: statesIam,
  apis: [
    {
      model: 'stepfunctions',
      operations: [
        'CreateStateMachine',
        'DescribeStateMachine',
        'DescribeStateMachineForExecution',
        'ListStateMachines',
        'UpdateStateMachine',
        'DeleteStateMachine',
        'ValidateStateMachineDefinition',
        'StartExecution',
        'StartSyncExecution',
        'StopExecution',
        'DescribeExecution',
        'ListExecutions',
        'GetExecutionHistory',
        'RedriveExecution',
        'SendTaskSuccess',
        'SendTaskFailure',
        'SendTaskHeartbeat',
        'TestState',
      ],
    },
  ],
  sdkClients: [{ package: '@aws-sdk/client-sfn', serviceId: 'SFN' }],
  needs: ['template', 'iam', 'readApi', 'traces', 'lambda', 'sqs', 'events', 'sns', 'ssm', 'logs', 'bedrock', 'ses', 'dynamodb'],
  databases: ['states'],
  resourceTypes: STATES_TYPE_SPECS,
  // A new execution runs the new definition; executions in flight finish on the one they started with.
  reloads: { types: ['AWS::StepFunctions::StateMachine'] },
  shares: stateMachineDefinitions,
  create({ settings, database, services, warn }) {
    const { accountId, region, url, credentials, log } = settings;
    const clock = settings.options.statesClock ?? settings.clock;
    const { definitions } = services.get('template');
    const events = services.get('events');
    const sns = services.get('sns');
    const bedrock = services.get('bedrock');
    // DynamoDB tasks go through the endpoint, as a function's SDK calls do; a durable task's key goes with the engine's token.
    const { idempotencyToken } = services.get('dynamodb').host;
    const dynamodb = sdkDynamoDb({ endpoint: url, region, credentials, idempotencyToken });
    const states = new StatesService({
      db: database('states'),
      clock,
      accountId,
      region,
      stateMachines: definitions.stateMachines,
      lambda: services.get('lambda'),
      sqs: services.get('sqs'),
      events,
      statusEvents: events,
      dynamodb,
      sns,
      // The execution's role makes each task's request: IAM checks it as AWS checks the role's session.
      authorizeTask: async (task) => {
        const iam = services.get('iam');
        const principal = { kind: 'role', roleArn: task.roleArn, sessionName: task.sessionName } as const;
        const requests = iam.authorizationsOf(task.service, task.operation, task.input);
        return (await iam.authorize(principal, requests, `state ${task.stateName}`))?.message;
      },
      sdkServices: sdkServicesOf(services),
      bedrock: {
        invokeModel: (modelId, body, tier) => bedrock.invokeModel(modelId, body, tier),
        // S3 starts after Step Functions (it needs Lambda, which needs nothing of it): looked up when a task runs.
        readObject: (Bucket, Key) => services.get('s3').s3.GetObject({ Bucket, Key }).body,
        writeObject: (Bucket, Key, Body, ContentType) => {
          services.get('s3').s3.PutObject({ Bucket, Key, Body, ContentType }, { requestId: randomUUID(), sourceIp: '127.0.0.1' });
        },
      },
      logs: services.get('logs'),
      log: (line) => log(`[states] ${line}`),
      onHistoryEvent: historyObserver(services),
    });
    return {
      service: states,
      reload: ({ definitions }) => {
        const machines = states.declareStateMachines(definitions.stateMachines);
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
            validate: modelValidator('stepfunctions'),
          },
        ],
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
      close: () => dynamodb.destroy(),
    };
  },
  report: (_states, { definitions }) => stateMachineReport(definitions.stateMachines),
};

/**
 * The hosted services aws-sdk integrations call beyond the runner's own neighbours, by their
 * names in the resource ARN: SSM, SNS, Bedrock Runtime, SES's two APIs (`aws-sdk:ses:*`,
 * `aws-sdk:sesv2:*`), and S3, which starts after Step Functions: looked up when a task (or a
 * distributed Map's ItemReader and ResultWriter) calls it.
 */
function sdkServicesOf(services: ServiceLookup): Readonly<Record<string, object>> {
  const { v1, v2 } = services.get('ses').sdkOperations;
  return {
    ssm: services.get('ssm'),
    sns: services.get('sns'),
    bedrockruntime: { operations: services.get('bedrock').sdkOperations },
    ses: { operations: v1 },
    sesv2: { operations: v2 },
    s3: { operations: s3SdkOperations(() => services.get('s3').s3) },
  };
}

/** Who hears each history event: the read API (its records and live feed) and the runtime's spans (executions and states). */
function historyObserver(services: ServiceLookup): (execution: ExecutionRecord, event: HistoryEvent) => void {
  const readApi = services.get('readApi');
  const { spans } = services.get('traces');
  return (execution, event) => {
    readApi.historyEvent(execution, event);
    const startedWith = execution.traceHeader;
    spans.executionStep({ execution, event, traceHeader: executionTraceHeader(execution), ...(startedWith ? { startedWith } : {}) });
  };
}
