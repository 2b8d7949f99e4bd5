import {
  CreateStateMachineAliasCommand,
  DeleteStateMachineCommand,
  DeleteStateMachineVersionCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachineAliasesCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
  UpdateStateMachineCommand,
  type UpdateStateMachineCommandInput,
} from '@aws-sdk/client-sfn';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { credentials, region } from '../helpers.js';
import { BASE_PASS_RESULT, createMachine, startExecution, template } from './recorded-executions.js';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded state machine and execution API tests that succeed, replayed call by call as
 * LocalStack's tests/aws/services/stepfunctions/v2/test_sfn_api.py makes them (creating, updating
 * and describing machines, from the API and from a template; listing machines and executions
 * page by page; idempotent, stopped and describing executions), with test_sfn_api_aliasing.py's
 * first recording of `maxResults` 0; each returns the answers by the recording's keys.
 */

/** `pass_result` with State_1's Result given another `Arg1` (the update tests' `AfterUpdate<n>`). */
const passWith = (arg1: string) => ({
  ...BASE_PASS_RESULT,
  States: { State_1: { ...BASE_PASS_RESULT.States.State_1, Result: { Arg1: arg1 } } },
});

/** Another role the update tests create (`create_state_machine_iam_role`), shown as `placeholder`. */
function anotherRole(context: ReplayContext, placeholder: string): string {
  const role = `arn:aws:iam::000000000000:role/${context.name('updated-sfn-role-')}`;
  context.replace(role, placeholder);
  return role;
}

/** Describes the machine (what each update test does after each step). */
const describe = (context: ReplayContext, stateMachineArn: string) => context.call(new DescribeStateMachineCommand({ stateMachineArn }));

/**
 * The update tests: a machine, then two updates (`t1`, `t2`) of its definition, role or both,
 * each described after; the role as `snf_role_arn_t0` where the test names each role.
 */
async function updates(
  context: ReplayContext,
  change: (step: 1 | 2) => Omit<UpdateStateMachineCommandInput, 'stateMachineArn'>,
  { roles, updateKeys }: { roles: boolean; updateKeys: [string, string] },
): Promise<Answer> {
  const created = await createMachine(context, BASE_PASS_RESULT, { role: roles ? 'snf_role_arn_t0' : 'snf_role_arn' });
  const stateMachineArn = created.stateMachineArn;
  const answers: Answer = { creation_resp_t0: created, describe_resp_t0: await describe(context, stateMachineArn) };
  for (const step of [1, 2] as const) {
    answers[updateKeys[step - 1] as string] = await context.call(new UpdateStateMachineCommand({ stateMachineArn, ...change(step) }));
    answers[`describe_resp_t${step}`] = await describe(context, stateMachineArn);
  }
  return answers;
}

/**
 * The CloudFormation tests: a stack of one `AWS::StepFunctions::StateMachine` whose definition is
 * `Definition` (an object) or `DefinitionString`, found by ListStateMachines and described. The
 * local runtime runs a template from a cloud assembly, so the stack is deployed as a synthesized
 * app is run, on a runtime of its own (ReplayContext's `deploy`); the YAML the `[dump]` cases sent
 * is CloudFormation's to read, and its template reads as the same JSON.
 */
function cloudFormationCase(property: 'Definition' | 'DefinitionString'): Replay {
  return async (context) => {
    context.replace(context.roleArn, 'snf_role_arn');
    const name = context.name('statemachine');
    context.replace(name, 'state_machine_name');
    const stack = await context.deploy({
      MyStateMachine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: name,
          [property]: property === 'Definition' ? BASE_PASS_RESULT : JSON.stringify(BASE_PASS_RESULT),
          RoleArn: context.roleArn,
        },
      },
    });
    try {
      const machines = await listedMachines(stack.context, {});
      const stateMachineArn = machines.find((machine) => machine.name === name)?.stateMachineArn;
      if (stateMachineArn === undefined) throw new Error(`ListStateMachines lists no machine ${name}`);
      context.replace(stateMachineArn, 'state_machine_arn');
      const described = await describe(stack.context, stateMachineArn);
      await stack.context.call(new DeleteStateMachineCommand({ stateMachineArn }));
      return { describe_state_machine_response: described };
    } finally {
      await stack.stop();
    }
  };
}

type MachineListItem = { name: string; stateMachineArn: string };

/** Every page of ListStateMachines (boto3's paginator), `maxResults` a page. */
async function listedMachines(context: ReplayContext, input: { maxResults?: number }): Promise<MachineListItem[]> {
  const all: MachineListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await context.call(new ListStateMachinesCommand({ ...input, ...(nextToken ? { nextToken } : {}) }));
    if (page.Error) throw new Error(`ListStateMachines failed: ${JSON.stringify(page.Error)}`);
    const machines = page.stateMachines as MachineListItem[];
    if (input.maxResults && (machines.length === 0 || machines.length > input.maxResults))
      throw new Error(`a page of ${machines.length} machines for maxResults ${input.maxResults}`);
    all.push(...machines);
    nextToken = page.nextToken as string | undefined;
  } while (nextToken);
  return all;
}

function expectThat(condition: boolean, what: string): void {
  if (!condition) throw new Error(`the recording test asserts ${what}`);
}

/**
 * test_list_executions_pagination and its versions' twin: 13 executions of the machine (or of
 * its version 1), two pages, the bounds of `maxResults` and `nextToken`, and `maxResults` 0
 * listing all 13.
 */
async function executionPages(context: ReplayContext, ofVersion: boolean): Promise<Answer> {
  const created = await createMachine(context, BASE_PASS_RESULT, ofVersion ? { publish: true } : {});
  const arn = ofVersion ? (created.stateMachineVersionArn as string) : created.stateMachineArn;
  for (let i = 0; i < 13; i++) {
    const { executionArn } = await startExecution(context, arn, '{}', i);
    await context.ended(executionArn);
  }
  const list = (input: { maxResults?: number; nextToken?: string }) => new ListExecutionsCommand({ stateMachineArn: arn, ...input });
  const page1 = await context.call(list({ maxResults: 10 }));
  context.replace(String(page1.nextToken), '<next-token:1>');
  const page2 = await context.call(list({ maxResults: 3, nextToken: page1.nextToken as string }));
  const tooLarge = await context.call(list({ maxResults: 1001 }));
  const shortToken = await context.raise(list({ nextToken: '' }));
  const longToken = 'x'.repeat(3097);
  context.replace(longToken, '<invalid_token_3097_chars>');
  const longTokenAnswer = await context.call(list({ nextToken: longToken }));
  const all = await context.call(list({ maxResults: 0 }));
  expectThat((all.executions as unknown[]).length === 13 && all.nextToken === undefined, 'maxResults 0 lists all 13');
  const deleted = ofVersion
    ? await context.call(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: arn }))
    : await context.call(new DeleteStateMachineCommand({ stateMachineArn: arn }));
  return {
    'list-executions-page-1': page1,
    [ofVersion ? 'list-execution-page-2' : 'list-executions-page-2']: page2,
    'list-executions-invalid-param-too-large': tooLarge,
    'list-executions-invalid-param-short-nextToken': shortToken,
    'list-executions-invalid-param-long-nextToken': longTokenAnswer,
    deletion_resp: deleted,
  };
}

/** A machine, one execution (named, for the punctuation test) to its end, and its DescribeExecution. */
async function describedExecution(context: ReplayContext, prefix: string, executionName?: string): Promise<Answer> {
  const created = await createMachine(context, BASE_PASS_RESULT, { prefix });
  const started = await context.call(
    new StartExecutionCommand({ stateMachineArn: created.stateMachineArn, ...(executionName ? { name: executionName } : {}) }),
  );
  const executionArn = started.executionArn as string;
  context.replace(executionArn.split(':').at(-1) as string, '<ExecArnPart_0idx>');
  await context.ended(executionArn);
  return {
    creation_resp: created,
    exec_resp: started,
    describe_execution: await context.call(new DescribeExecutionCommand({ executionArn })),
  };
}

export const SFN_API_CASES: Record<string, Replay> = {
  'test_cloudformation_definition_create_describe[dump]': cloudFormationCase('Definition'),
  'test_cloudformation_definition_create_describe[dumps]': cloudFormationCase('Definition'),
  'test_cloudformation_definition_string_create_describe[dump]': cloudFormationCase('DefinitionString'),
  'test_cloudformation_definition_string_create_describe[dumps]': cloudFormationCase('DefinitionString'),
  async test_create_exact_duplicate_sm(context) {
    const name = context.name('statemachine_');
    const first = await createMachine(context, BASE_PASS_RESULT, { name });
    const describe1 = await describe(context, first.stateMachineArn);
    const second = await createMachine(context, BASE_PASS_RESULT, { name, index: 1 });
    return {
      creation_resp_1: first,
      describe_resp_1: describe1,
      creation_resp_2: second,
      describe_resp_2: await describe(context, second.stateMachineArn),
      describe_resp_1_2: await describe(context, first.stateMachineArn),
    };
  },
  test_create_update_state_machine_base_definition: (context) =>
    updates(context, (step) => ({ definition: JSON.stringify(passWith(`AfterUpdate${step}`)) }), {
      roles: false,
      updateKeys: ['update_state_machine_res', 'update_state_machine_res_t2'],
    }),
  test_create_update_state_machine_base_role_arn: (context) =>
    updates(context, (step) => ({ roleArn: anotherRole(context, `snf_role_arn_t${step}`) }), {
      roles: true,
      updateKeys: ['update_state_machine_res_t1', 'update_state_machine_res_t2'],
    }),
  test_create_update_state_machine_base_definition_and_role: (context) =>
    updates(
      context,
      (step) => ({ definition: JSON.stringify(passWith(`AfterUpdate${step}`)), roleArn: anotherRole(context, `snf_role_arn_t${step}`) }),
      { roles: false, updateKeys: ['update_state_machine_res_t1', 'update_state_machine_res_t2'] },
    ),
  async test_create_update_state_machine_same_parameters(context) {
    let role = '';
    return updates(
      context,
      (step) => {
        if (step === 1) role = anotherRole(context, 'snf_role_arn_t1');
        return step === 1 ? { roleArn: role } : { definition: JSON.stringify(BASE_PASS_RESULT), roleArn: role };
      },
      { roles: true, updateKeys: ['update_state_machine_res_t1', 'update_state_machine_res_t2'] },
    );
  },
  async test_create_update_state_machine_base_update_none(context) {
    const created = await createMachine(context, BASE_PASS_RESULT);
    const stateMachineArn = created.stateMachineArn;
    return {
      creation_resp_t0: created,
      describe_resp_t0: await describe(context, stateMachineArn),
      missing_required_parameter: await context.call(new UpdateStateMachineCommand({ stateMachineArn })),
    };
  },
  test_describe_execution: (context) => describedExecution(context, 'statemachine_'),
  test_describe_execution_arn_containing_punctuation: (context) =>
    describedExecution(context, 'state.machine_', context.name('state.machine.execution_')),
  async test_describe_sm_arn_containing_punctuation(context) {
    const created = await createMachine(context, BASE_PASS_RESULT, { prefix: 'state.machine_' });
    return { creation_resp: created, describe_resp: await describe(context, created.stateMachineArn) };
  },
  async test_describe_state_machine_for_execution(context) {
    const created = await createMachine(context, BASE_PASS_RESULT);
    const started = await startExecution(context, created.stateMachineArn);
    await context.ended(started.executionArn);
    return {
      creation_resp: created,
      exec_resp: started,
      describe_resp: await context.call(new DescribeStateMachineForExecutionCommand({ executionArn: started.executionArn })),
    };
  },
  test_list_executions_pagination: (context) => executionPages(context, false),
  test_list_executions_versions_pagination: (context) => executionPages(context, true),
  async test_list_sms(context) {
    const answers: Answer = {};
    const created: MachineListItem[] = [];
    for (let i = 0; i < 3; i++) {
      const name = context.name(`statemachine_${i + 1}_`);
      const machine = await createMachine(context, BASE_PASS_RESULT, { name, index: i });
      answers[`creation_resp_${i}`] = machine;
      created.push({ name, stateMachineArn: machine.stateMachineArn });
    }
    const names = new Set(created.map((m) => m.name));
    // The test lists one page (100 machines); the replay's runtime holds the other replays' machines too, so every page is read.
    const ours = async () => (await listedMachines(context, {})).filter((m) => names.has(m.name));
    answers.lst_resp_filter = await ours();
    for (const [i, { stateMachineArn }] of created.entries())
      answers[`deletion_resp_${i}`] = await context.call(new DeleteStateMachineCommand({ stateMachineArn }));
    answers.lst_resp_del_filter = await ours();
    return answers;
  },
  async test_list_sms_pagination(context) {
    const names: string[] = [];
    for (let i = 0; i < 13; i++) {
      const name = context.name(`statemachine_${i}_`);
      await createMachine(context, BASE_PASS_RESULT, { name, index: i });
      names.push(name);
    }
    const ours = (await listedMachines(context, { maxResults: 5 })).filter((m) => names.includes(m.name));
    expectThat(ours.length === 13 && new Set(ours.map((m) => m.name)).size === 13, 'the pages list each of the 13 machines once');
    const tooLarge = await context.call(new ListStateMachinesCommand({ maxResults: 1001 }));
    const shortToken = await context.raise(new ListStateMachinesCommand({ nextToken: '' }));
    const longToken = 'x'.repeat(1025);
    context.replace(longToken, '<invalid_token_1025_chars>');
    const longTokenAnswer = await context.call(new ListStateMachinesCommand({ nextToken: longToken }));
    const all = (await listedMachines(context, { maxResults: 0 })).filter((m) => names.includes(m.name));
    expectThat(all.length === 13, 'maxResults 0 lists all 13');
    for (const { stateMachineArn } of ours) await context.call(new DeleteStateMachineCommand({ stateMachineArn }));
    expectThat(
      (await listedMachines(context, {})).every((m) => !names.includes(m.name)),
      'no machine is left after deletion',
    );
    return {
      'list-state-machines-page-1': ours.slice(0, 10),
      'list-state-machines-page-2': ours.slice(10),
      'list-state-machines-invalid-param-too-large': tooLarge,
      'list-state-machines-invalid-param-short-nextToken': shortToken,
      'list-state-machines-invalid-param-long-nextToken': longTokenAnswer,
    };
  },
  async test_start_execution_idempotent(context) {
    // The SQS transformers show the machine's and the execution's names as `<resource:n>`.
    const sqs = new SQSClient({ endpoint: context.endpoint, region, credentials, maxAttempts: 1 });
    try {
      const queueName = context.name('queue-');
      const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
      context.replace(QueueUrl, '<sqs_queue_url>');
      context.replace(queueName, '<sqs_queue_name>');
      const created = await createMachine(context, template('callbacks/statemachines/sqs_wait_for_task_token.json'), { unnamed: true });
      const stateMachineArn = created.stateMachineArn;
      const name = context.name('execution_name_');
      const input = JSON.stringify({ QueueUrl, Message: 'test_message_txt' });
      const start = (body: string) => new StartExecutionCommand({ stateMachineArn, input: body, name });
      const started = await context.call(start(input));
      const again = await context.call(start(input));
      expectThat(again.executionArn === started.executionArn, 'the same request answers the same execution');
      return {
        creation_resp: created,
        exec_resp: started,
        exec_resp_idempotent: again,
        start_exec_already_exists: await context.call(start('{"body" : "different-data"}')),
        stop_res: await context.call(new StopExecutionCommand({ executionArn: started.executionArn as string })),
      };
    } finally {
      sqs.destroy();
    }
  },
  async 'test_sfn_api::test_start_sync_execution'(context) {
    const created = await createMachine(context, BASE_PASS_RESULT, { type: 'STANDARD' });
    const refused = await context.call(
      new StartSyncExecutionCommand({ stateMachineArn: created.stateMachineArn, input: '{}', name: 'SyncExecution' }),
    );
    return { creation_response: created, start_sync_execution_error: refused };
  },
  async test_state_machine_status_filter(context) {
    const created = await createMachine(context, BASE_PASS_RESULT);
    const stateMachineArn = created.stateMachineArn;
    const list = (statusFilter: string) =>
      context.call(new ListExecutionsCommand({ stateMachineArn, statusFilter: statusFilter as never }));
    const before = await list('SUCCEEDED');
    const started = await startExecution(context, stateMachineArn);
    await context.ended(started.executionArn);
    return {
      creation_resp: created,
      list_before_execution: before,
      exec_resp: started,
      list_succeeded_when_complete: await list('SUCCEEDED'),
      list_running_when_complete: await list('RUNNING'),
      list_executions_filter_exc: await list('succeeded'),
    };
  },
  async test_stop_execution(context) {
    const created = await createMachine(context, template('base/statemachines/wait_1_min.json'));
    const started = await startExecution(context, created.stateMachineArn);
    const executionArn = started.executionArn;
    await waitFor(context, executionArn, (events) => events.some((e) => e.stateEnteredEventDetails?.name === 'State_1'));
    const stopped = await context.call(new StopExecutionCommand({ executionArn }));
    await context.ended(executionArn);
    return {
      creation_resp: created,
      exec_resp: started,
      stop_res: stopped,
      exec_hist_resp: await context.call(new GetExecutionHistoryCommand({ executionArn })),
    };
  },
  async test_list_state_machine_aliases_pagination_max_results_0(context) {
    const created = await createMachine(context, BASE_PASS_RESULT, { publish: true, role: 'sfn_role_arn' });
    const name = context.name('AliasName-');
    context.replace(name, 'state_machine_alias_name');
    const routingConfiguration = [{ stateMachineVersionArn: created.stateMachineVersionArn, weight: 100 }];
    return {
      create_state_machine_alias_response: await context.call(
        new CreateStateMachineAliasCommand({ name, description: 'create state machine alias description', routingConfiguration }),
      ),
      list_state_machine_alias_max_results_0_response: await context.call(
        new ListStateMachineAliasesCommand({ stateMachineArn: created.stateMachineArn, maxResults: 0 }),
      ),
    };
  },
};

type HistoryEvent = { stateEnteredEventDetails?: { name?: string } };

/** Polls the execution's history until `done` holds (the tests' `await_on_execution_events`). */
async function waitFor(context: ReplayContext, executionArn: string, done: (events: HistoryEvent[]) => boolean): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const { events } = await context.call(new GetExecutionHistoryCommand({ executionArn }));
    if (done(events as HistoryEvent[])) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`the execution ${executionArn} never got there`);
}
