import {
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  ListTagsForResourceCommand,
  PublishStateMachineVersionCommand,
  StopExecutionCommand,
  type Tag,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-sfn';
import { asyncCase, syncCase } from './recorded-cases-express.js';
import { BASE_PASS_RESULT, createMachine, startExecution, template } from './recorded-executions.js';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded tagging, Express, Map Run and variable reference tests, replayed call by call as
 * LocalStack's tests/aws/services/stepfunctions/v2/test_sfn_api_tagging.py,
 * test_sfn_api_express.py, test_sfn_api_map_run.py and test_sfn_api_variable_references.py make
 * them; each returns the answers by the recording's keys.
 */

const tagged = (...pairs: [string, string][]): Tag[] => pairs.map(([key, value]) => ({ key, value }));

/** A machine and its tags after TagResource (and UntagResource of `untag`), as test_tag_state_machine and test_untag_state_machine make them. */
async function tagCase(context: ReplayContext, tags: Tag[], untag?: string[]): Promise<Answer> {
  const created = await createMachine(context, BASE_PASS_RESULT);
  const resourceArn = created.stateMachineArn;
  const answers: Answer = {
    creation_resp_1: created,
    tag_resource_resp: await context.call(new TagResourceCommand({ resourceArn, tags })),
  };
  if (untag) answers.untag_resource_resp = await context.call(new UntagResourceCommand({ resourceArn, tagKeys: untag }));
  answers.list_resources_res = await context.call(new ListTagsForResourceCommand({ resourceArn }));
  return answers;
}

const TAG_LISTS: Tag[][] = [
  [],
  tagged(['key1', 'value1']),
  tagged(['key1', '']),
  tagged(['key1', 'value1'], ['key1', 'value1']),
  tagged(['key1', 'value1'], ['key2', 'value2']),
];
const UNTAG_KEYS: string[][] = [[], ['key1'], ['key1', 'key1'], ['key1', 'key2']];

const TAGGING_CASES: Record<string, Replay> = {
  ...Object.fromEntries(TAG_LISTS.map((tags, i) => [`test_tag_state_machine[tag_list${i}]`, (c: ReplayContext) => tagCase(c, tags)])),
  ...Object.fromEntries(
    UNTAG_KEYS.map((keys, i) => [
      `test_untag_state_machine[tag_keys${i}]`,
      (c: ReplayContext) => tagCase(c, tagged(['key1', 'value1']), keys),
    ]),
  ),
  async 'test_tag_invalid_state_machine[None]'(context) {
    const created = await createMachine(context, BASE_PASS_RESULT);
    const refused = await context.raise(new TagResourceCommand({ resourceArn: created.stateMachineArn, tags: undefined }));
    return { creation_resp_1: created, error: refused.exception_value };
  },
  async 'test_tag_invalid_state_machine[tag_list1]'(context) {
    const created = await createMachine(context, BASE_PASS_RESULT);
    const refused = await context.raise(new TagResourceCommand({ resourceArn: created.stateMachineArn, tags: tagged(['', 'value']) }));
    return { creation_resp_1: created, error: refused.exception_value };
  },
  async test_tag_state_machine_version(context) {
    const created = await createMachine(context, BASE_PASS_RESULT);
    const published = await context.call(new PublishStateMachineVersionCommand({ stateMachineArn: created.stateMachineArn }));
    const refused = await context.raise(
      new TagResourceCommand({ resourceArn: published.stateMachineVersionArn as string, tags: tagged(['key1', 'value1']) }),
    );
    return { creation_resp_1: created, publish_resp: published, error: refused.exception_value };
  },
  async test_create_state_machine(context) {
    const created = await createMachine(context, BASE_PASS_RESULT, { tags: tagged(['key1', 'value1'], ['key2', 'value2']) });
    return {
      creation_resp_1: created,
      list_resources_res: await context.call(new ListTagsForResourceCommand({ resourceArn: created.stateMachineArn })),
    };
  },
};

const EXPRESS_API_CASES: Record<string, Replay> = {
  async test_create_describe_delete(context) {
    const created = await createMachine(context, BASE_PASS_RESULT, { type: 'EXPRESS' });
    const stateMachineArn = created.stateMachineArn;
    return {
      creation_response: created,
      describe_response: await context.call(new DescribeStateMachineCommand({ stateMachineArn })),
      deletion_response: await context.call(new DeleteStateMachineCommand({ stateMachineArn })),
    };
  },
  async test_start_async_describe_history_execution(context) {
    const answers = await asyncCase({ definition: () => BASE_PASS_RESULT, input: () => ({}) })(context);
    const stateMachineArn = (answers.creation_response as Answer).stateMachineArn as string;
    const executionArn = (answers.end_event as Answer).execution_arn as string;
    return {
      ...answers,
      list_executions_error: await context.call(new ListExecutionsCommand({ stateMachineArn })),
      describe_execution_error: await context.call(new DescribeExecutionCommand({ executionArn })),
      stop_execution_error: await context.call(new StopExecutionCommand({ executionArn })),
      get_execution_history_error: await context.call(new GetExecutionHistoryCommand({ executionArn })),
    };
  },
  'test_sfn_api_express::test_start_sync_execution': syncCase({ definition: () => BASE_PASS_RESULT, input: () => ({}) }),
};

/** A Map Run's ARN (`...:mapRun:<machine>/<label>:<id>`) as `sfn_map_run_arn` shows it: its id, and its label when a UUID. */
function replaceMapRunArn(context: ReplayContext, mapRunArn: string): void {
  const [label = '', id = ''] = (mapRunArn.split('/').at(-1) as string).split(':');
  context.replace(id, '<MapRunArnPart1_0idx>');
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(label)) context.replace(label, '<MapRunArnPart0_0idx>');
}

const MAP_RUN_CASES: Record<string, Replay> = {
  async test_list_map_runs_and_describe_map_run(context) {
    const bucket = context.name('bucket-');
    context.replace(bucket, 'bucket_name');
    await context.putObject(bucket, 'file.csv', 'Col1,Col2,Col3\nValue1,Value2,Value3\nValue4,Value5,Value6');
    const created = await createMachine(context, template('scenarios/statemachines/map_item_reader_base_csv_headers_first_line.json'));
    const started = await startExecution(context, created.stateMachineArn, JSON.stringify({ Bucket: bucket, Key: 'file.csv' }));
    await context.ended(started.executionArn);
    const listed = await context.call(new ListMapRunsCommand({ executionArn: started.executionArn }));
    const mapRuns = listed.mapRuns as { mapRunArn: string }[];
    for (const { mapRunArn } of mapRuns) replaceMapRunArn(context, mapRunArn);
    return {
      list_map_runs: listed,
      describe_map_run: await context.call(new DescribeMapRunCommand({ mapRunArn: mapRuns[0]?.mapRunArn })),
    };
  },
};

/** The variable reference tests' templates, by their parameter id (templates/assign/statemachines/). */
const ASSIGN_TEMPLATES = [
  'BASE_REFERENCE_IN_PARAMETERS',
  'BASE_REFERENCE_IN_CHOICE',
  'BASE_REFERENCE_IN_WAIT',
  'BASE_REFERENCE_IN_ITERATOR_OUTER_SCOPE',
  'BASE_REFERENCE_IN_INPUTPATH',
  'BASE_REFERENCE_IN_OUTPUTPATH',
  'BASE_REFERENCE_IN_INTRINSIC_FUNCTION',
  'BASE_REFERENCE_IN_FAIL',
  'BASE_ASSIGN_FROM_PARAMETERS',
  'BASE_ASSIGN_FROM_RESULT',
  'BASE_ASSIGN_FROM_INTRINSIC_FUNCTION',
  'BASE_EVALUATION_ORDER_PASS_STATE',
  'MAP_STATE_REFERENCE_IN_INTRINSIC_FUNCTION',
  'MAP_STATE_REFERENCE_IN_ITEMS_PATH',
  'MAP_STATE_REFERENCE_IN_MAX_CONCURRENCY_PATH',
  'MAP_STATE_REFERENCE_IN_TOLERATED_FAILURE_PATH',
  'MAP_STATE_REFERENCE_IN_ITEM_SELECTOR',
  'MAP_STATE_REFERENCE_IN_MAX_ITEMS_PATH',
];
const JSONATA_TEMPLATES: Record<string, string> = {
  CHOICE_CONDITION_CONSTANT_JSONATA: 'choice_state_condition_constant_jsonata',
  CHOICE_STATE_UNSORTED_CHOICE_PARAMETERS_JSONATA: 'choice_state_unsorted_choice_parameters_jsonata',
};

/**
 * DescribeStateMachine of a machine whose states reference variables, and (`execute`) the
 * DescribeStateMachineForExecution of one execution to its end. The test sorts each state's
 * list of variables before it compares (LocalStack's order of an intrinsic function's arguments
 * differs), so the replay does too.
 */
function referencesCase(path: string, execute: boolean): Replay {
  return async (context) => {
    const created = await createMachine(context, template(path), { prefix: 'sm-', role: 'sfn_role_arn' });
    const answers: Answer = {
      describe_response: sortedReferences(
        await context.call(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn })),
      ),
    };
    if (!execute) return answers;
    const started = await startExecution(context, created.stateMachineArn);
    await context.ended(started.executionArn);
    const forExecution = await context.call(new DescribeStateMachineForExecutionCommand({ executionArn: started.executionArn }));
    return { ...answers, describe_for_execution_response: sortedReferences(forExecution) };
  };
}

function sortedReferences(answer: Answer): Answer {
  const references = answer.variableReferences as Record<string, string[]> | undefined;
  if (references) for (const names of Object.values(references)) names.sort();
  return answer;
}

const REFERENCE_CASES: Record<string, Replay> = {
  ...Object.fromEntries(
    ASSIGN_TEMPLATES.map((id) => [
      `test_base_variable_references_in_assign_templates[${id}]`,
      referencesCase(`assign/statemachines/${id.toLowerCase()}.json`, true),
    ]),
  ),
  ...Object.fromEntries(
    Object.entries(JSONATA_TEMPLATES).map(([id, file]) => [
      `test_base_variable_references_in_jsonata_template[${id}]`,
      referencesCase(`scenarios/statemachines/${file}.json`, false),
    ]),
  ),
};

export const SFN_API_MORE_CASES: Record<string, Replay> = {
  ...TAGGING_CASES,
  ...EXPRESS_API_CASES,
  ...MAP_RUN_CASES,
  ...REFERENCE_CASES,
};
