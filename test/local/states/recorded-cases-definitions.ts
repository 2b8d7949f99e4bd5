import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  type StateMachineType,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import { recordExecution } from './recorded-executions.js';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded tests of definitions AWS refuses and of inputs an execution fails on, replayed as
 * LocalStack's tests/aws/services/stepfunctions/v2/ makes them (test_sfn_api_validation.py,
 * scenarios/test_base_scenarios.py, test_sfn_api_express.py, credentials/test_credentials_base.py,
 * services/test_dynamodb_task_service.py, base/test_wait.py), with the state machines of
 * tests/aws/services/stepfunctions/templates/; each returns the answers by the recording's keys.
 */

const pass = (state: Record<string, unknown> = {}) => ({ Type: 'Pass', End: true, ...state });

/** templates/validation/statemachines/*.json5 and callbacks/sqs_wait_for_task_token.json5. */
const VALIDATION_TEMPLATES: Record<string, unknown> = {
  VALID_BASE_PASS: { StartAt: 'StartState', States: { StartState: pass() } },
  INVALID_BASE_NO_STARTAT: { States: { StartState: pass() } },
  INVALID_DOWNGRADE_QUERY_LANGUAGE: { StartAt: 'Pass', States: { Pass: pass({ QueryLanguage: 'JSONPath' }) }, QueryLanguage: 'JSONata' },
  VALID_QUERY_LANGUAGE_PASS: {
    StartAt: 'Map',
    QueryLanguage: 'JSONPath',
    States: {
      Map: {
        Type: 'Map',
        QueryLanguage: 'JSONata',
        ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'Pass', States: { Pass: pass({ QueryLanguage: 'JSONPath' }) } },
        End: true,
      },
    },
  },
  ILLEGAL_WFTT: {
    StartAt: 'SendMessageWithWait',
    States: {
      SendMessageWithWait: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
        Parameters: { 'QueueUrl.$': '$.QueueUrl', MessageBody: { 'Message.$': '$.Message', 'TaskToken.$': '$$.Task.Token' } },
        End: true,
      },
    },
  },
};

const validate = (definition: string, type: StateMachineType) => async (context: ReplayContext) => ({
  validation_response: await context.call(new ValidateStateMachineDefinitionCommand({ definition, type })),
});

function validationCases(): Record<string, Replay> {
  const cases: Record<string, Replay> = {};
  for (const [id, text] of Object.entries({ EMPTY_STRING: ' ', NOT_A_DEF: 'not a definition', EMPTY_DICT: '{}' }))
    cases[`test_validate_state_machine_definition_not_a_definition[${id}]`] = validate(text, 'STANDARD');
  for (const [id, template] of Object.entries(VALIDATION_TEMPLATES)) {
    if (id !== 'ILLEGAL_WFTT')
      cases[`test_validate_state_machine_definition_type_standard[${id}]`] = validate(JSON.stringify(template), 'STANDARD');
    cases[`test_validate_state_machine_definition_type_express[${id}]`] = validate(JSON.stringify(template), 'EXPRESS');
  }
  return cases;
}

/** CreateStateMachine with a definition AWS refuses: its error as the recording matched it. */
function refusedCreation(context: ReplayContext, definition: unknown, type?: StateMachineType, raised = true): Promise<Answer> {
  const command = new CreateStateMachineCommand({
    name: context.name('statemachine_'),
    definition: JSON.stringify(definition),
    roleArn: context.roleArn,
    ...(type ? { type } : {}),
  });
  return raised ? context.raise(command) : context.call(command);
}

const waitUntil = (Timestamp: string) => ({
  Comment: 'WAIT_TIMESTAMP',
  StartAt: 'WaitUntil',
  States: { WaitUntil: { Type: 'Wait', Timestamp, End: true } },
});
const WAIT_TIMESTAMPS = {
  NO_T: '2016-12-05 21:29:29Z',
  NO_Z: '2016-12-05T21:29:29',
  INVALID_DATE: '2016-13-05T21:29:29Z',
  INVALID_TIME: '2016-12-05T25:29:29Z',
  INVALID_ISO: '05-12-2016T21:29:29Z',
  JSONATA: "{% '2016-03-14T01:59:00Z' %}",
};

/** templates/scenarios/statemachines/escape_sequences_illegal_intrinsic_function*.json5. */
const ILLEGAL_ESCAPES = {
  ESCAPE_SEQUENCES_ILLEGAL_INTRINSIC_FUNCTION: `States.StringToJson('{"text":"An \\"escaped double quote\\" here"}')`,
  ESCAPE_SEQUENCES_ILLEGAL_INTRINSIC_FUNCTION_2: `States.Format('He said, \\"Hello, {}!\\"', 'Test \\"Name\\" Here')`,
};

/** templates/callbacks/statemachines/sns_publish_wait_for_task_token.json5 and sfn_start_execution_sync.json5. */
const CALLBACKS = {
  WAIT_FOR_TASK_TOKEN: {
    Comment: 'SNS_PUBLISH_WAIT_FOR_TASK_TOKEN',
    StartAt: 'Publish',
    States: {
      Publish: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
        Parameters: {
          'TopicArn.$': '$.TopicArn',
          Message: { 'TaskToken.$': '$$.Task.Token', 'arg1.$': '$.body.arg1', 'arg2.$': '$.body.arg2' },
        },
        End: true,
      },
    },
  },
  SYNC: {
    Comment: 'SFN_START_EXECUTION_SYNC',
    StartAt: 'StartExecution',
    States: {
      StartExecution: {
        Type: 'Task',
        Resource: 'arn:aws:states:::states:startExecution.sync',
        Parameters: { 'StateMachineArn.$': '$.StateMachineArn', 'Input.$': '$.Input', 'Name.$': '$.Name' },
        End: true,
      },
    },
  },
};

/** templates/credentials/statemachines/empty_credentials.json5 and invalid_credentials_field.json5. */
const credentialsTemplate = (Credentials: Record<string, unknown>) => ({
  StartAt: 'State0',
  QueryLanguage: 'JSONata',
  States: { State0: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Arguments: '{% $state.input %}', Credentials, End: true } },
});

function refusedDefinitionCases(): Record<string, Replay> {
  const cases: Record<string, Replay> = {};
  for (const [id, timestamp] of Object.entries(WAIT_TIMESTAMPS))
    cases[`test_wait_timestamp_invalid[${id}]`] = async (context) => ({ exception: await refusedCreation(context, waitUntil(timestamp)) });
  for (const [id, expression] of Object.entries(ILLEGAL_ESCAPES))
    cases[`test_illegal_escapes[${id}]`] = async (context) => ({
      exception: await refusedCreation(context, {
        StartAt: 'IntrinsicEscape',
        States: { IntrinsicEscape: pass({ Parameters: { 'parsed.$': expression } }) },
      }),
    });
  for (const [id, template] of Object.entries(CALLBACKS))
    cases[`test_illegal_callbacks[${id}]`] = async (context) => ({
      creation_error: await refusedCreation(context, template, 'EXPRESS', false),
    });
  for (const [id, credentials] of Object.entries({ EMPTY_CREDENTIALS: {}, INVALID_CREDENTIALS_FIELD: { InvalidField: 'invalid' } }))
    cases[`test_invalid_credentials_field[${id}]`] = async (context) => ({
      invalid_definition: await refusedCreation(context, credentialsTemplate(credentials), undefined, false),
    });
  return cases;
}

export const DEFINITION_CASES: Record<string, Replay> = {
  ...validationCases(),
  ...refusedDefinitionCases(),
  async test_illegal_activity_task(context) {
    const name = context.name('activity-');
    const created = await context.call(new CreateActivityCommand({ name }));
    const activityArn = created.activityArn as string;
    context.replace(activityArn, 'activity_arn');
    context.replace(name, 'activity_name');
    const template = {
      Comment: 'BASE_ACTIVITY_TASK',
      StartAt: 'ActivityTask',
      States: { ActivityTask: { Type: 'Task', Resource: activityArn, End: true } },
    };
    return { create_activity_output: created, creation_error: await refusedCreation(context, template, 'EXPRESS', false) };
  },
  async test_invalid_integration(context) {
    const query = {
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:query',
      ResultPath: '$.queryItemOutput',
      Parameters: {
        'TableName.$': '$.TableName',
        KeyConditionExpression: 'id = :id',
        ExpressionAttributeValues: { ':id': { 'S.$': '$.Item.id.S' } },
      },
      End: true,
    };
    return { exception: await refusedCreation(context, { StartAt: 'Query', States: { Query: query } }) };
  },
};

/** Executions that fail on their input with States.Runtime (templates/scenarios/wait_timestamp_path.json5, base/wait_seconds_path.json5). */
export const RUNTIME_ERROR_CASES: Record<string, Replay> = {
  ...Object.fromEntries(
    (['NO_T', 'INVALID_DATE', 'INVALID_TIME'] as const).map((id) => [
      `test_wait_timestamp_path[${id}]`,
      async (context: ReplayContext) => ({
        get_execution_history: await recordExecution(
          context,
          {
            Comment: 'WAIT_TIMESTAMP_PATH',
            StartAt: 'WaitUntil',
            States: { WaitUntil: { Type: 'Wait', TimestampPath: '$.TimestampValue', End: true } },
          },
          JSON.stringify({ TimestampValue: WAIT_TIMESTAMPS[id] }),
        ),
      }),
    ]),
  ),
  async 'test_base_wait_seconds_path[-1]'(context) {
    const definition = {
      Comment: 'WAIT_SECONDS_PATH',
      StartAt: 'WaitState',
      States: { WaitState: { Type: 'Wait', SecondsPath: '$.input.waitSeconds', End: true } },
    };
    return { get_execution_history: await recordExecution(context, definition, JSON.stringify({ input: { waitSeconds: -1 } })) };
  },
};
