import { ARN_PLACEHOLDER, type Definition, recordExecution, stateOf, template, templateCase } from './recorded-executions.js';
import type { Answer, Replay } from './recorded-replay.js';

/**
 * The recorded tests of what a state passes on, replayed as LocalStack's
 * tests/aws/services/stepfunctions/v2/ make them: JSONata `Output` (outputdecl/test_output.py) and
 * `Arguments` (arguments/test_arguments.py), `Comment` fields (comments/test_comments.py), the
 * context object in paths (context_object/test_context_object.py), and variables
 * (assign/test_assign_base.py, assign/test_assign_reference_variables.py): one execution each.
 */

const ID_FUNCTION = 'services/lambdafunctions/id_function.py';
/** What the context object templates name their path by, replaced by the test's. */
const CONTEXT_PLACEHOLDER = '%CONTEXT_OBJECT_LITERAL_PLACEHOLDER%';
/** The input most of these tests give. */
const VALUES = { input_value: 'string literal', input_values: [1, 2, 3] };

/** A template run once with `input`, its context object placeholder (if any) replaced by `path`. */
const executionCase =
  (machine: string, input: unknown, { change, path }: { change?: (d: Definition) => void; path?: string } = {}): Replay =>
  async (context) => {
    const definition = template(machine);
    change?.(definition);
    const text = JSON.stringify(definition);
    const resolved = JSON.parse(path === undefined ? text : text.split(CONTEXT_PLACEHOLDER).join(path)) as Definition;
    return { get_execution_history: await recordExecution(context, resolved, JSON.stringify(input)) };
  };

/** The events that end the sublist of a Parallel state's branches in LocalStack's transformer. */
const PARALLEL_ENDS = new Set(['ParallelStateSucceeded', 'ParallelStateAborted', 'ParallelStateExited', 'ParallelStateFailed']);

/**
 * LocalStack's SfnNoneRecursiveParallelTransformer, which test_base_parallel_cases registered: the
 * branches' events after a ParallelStateStarted get the id `[0]` and previousEventId 0 and are
 * sorted by their JSON text (its first key the timestamp, which the engine gives them alike) at
 * each ending event; at the second (the Exited after the Succeeded), the slice it replaces holds
 * the ParallelStateSucceeded too, which it drops, as the recording shows. Done as its Python does,
 * on the live history before the comparison.
 */
function normaliseParallel(events: Answer[]): void {
  let start = -1;
  let sublist: Answer[] = [];
  let inSublist = false;
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as Answer;
    if (PARALLEL_ENDS.has(String(event.type))) {
      if (start >= 0) events.splice(start, i - start, ...[...sublist].sort((a, b) => jsonText(a).localeCompare(jsonText(b))));
      inSublist = false;
    } else if (event.type === 'ParallelStateStarted') {
      inSublist = true;
      sublist = [];
      start = i + 1;
    } else if (inSublist) {
      event.id = [0];
      event.previousEventId = 0;
      sublist.push(event);
    }
  }
}

/** An event's JSON text as botocore's parse orders its keys (timestamp, type, id, previousEventId, details). */
const jsonText = ({ timestamp, type, id, previousEventId, ...details }: Answer): string =>
  JSON.stringify({ timestamp: timestamp instanceof Date ? timestamp.toISOString() : timestamp, type, id, previousEventId, ...details });

/** A template whose `state` runs a function returning its event (by its ARN), named `placeholder` in the recording. */
const functionCase = (machine: string, state: string, placeholder: string, prefix = 'lambda_func_', input: unknown = VALUES): Replay =>
  templateCase(machine, {
    code: ID_FUNCTION,
    change: (definition) => {
      stateOf(definition, state).Resource = ARN_PLACEHOLDER;
    },
    input: () => input,
    prefix,
    placeholder,
  });

/** Cases of one test, by pytest's ids. */
const byIds = (test: string, ids: readonly string[], replay: (id: string) => Replay) =>
  Object.fromEntries(ids.map((id) => [`${test}[${id}]`, replay(id)]));

/** test_base_output_any_non_dict's `Output` values, by pytest's ids. */
const ANY_OUTPUT: Record<string, unknown> = {
  NULL: null,
  INT: 0,
  FLOAT: 0.1,
  BOOL: true,
  STR_LIT: 'string literal',
  JSONATA_EXPR: '{% $states.input %}',
  LIST_EMPY: [],
  LIST_RICH: [null, 0, 0.1, true, 'string', [], '$nosuchvar', '$.no.such.path', '{% $states.input %}', { key: '{% true %}' }],
};

/** test_arguments.py's templates, by pytest's ids. */
const ARGUMENTS: Record<string, string> = {
  BASE_LAMBDA_EMPTY: 'base_lambda_empty',
  BASE_LAMBDA_LITERALS: 'base_lambda_literals',
  BASE_LAMBDA_EXPRESSION: 'base_lambda_expressions',
  BASE_LAMBDA_EMPTY_GLOBAL_QL_JSONATA: 'base_lambda_empty_global_ql_jsonata',
};

const output = (name: string) => `outputdecl/statemachines/${name}.json`;
const assign = (id: string) => `assign/statemachines/${id.toLowerCase()}.json`;
const contextObject = (name: string) => `context_object/statemachines/context_object_${name}.json`;

const OUTPUT_CASES: Record<string, Replay> = {
  ...byIds('test_base_cases', ['BASE_LITERALS', 'BASE_EXPR', 'BASE_DIRECT_EXPR'], (id) => executionCase(output(id.toLowerCase()), VALUES)),
  'test_output::test_base_cases[BASE_EMPTY]': executionCase(output('base_empty'), VALUES),
  'test_base_lambda[BASE_LAMBDA]': functionCase(output('base_lambda'), 'State0', 'lambda_function_name'),
  // The test names the function in its input.
  'test_base_task_lambda[BASE_TASK_LAMBDA]': templateCase(output('base_task_lambda'), {
    code: ID_FUNCTION,
    input: ({ name }) => ({ FunctionName: name, Payload: VALUES }),
    prefix: 'lambda_func_',
    placeholder: 'lambda_function_name',
  }),
  ...byIds('test_base_output_any_non_dict', Object.keys(ANY_OUTPUT), (id) =>
    executionCase(
      output('base_output_any'),
      { input_value: 'stringliteral' },
      {
        change: (definition) => {
          stateOf(definition, 'State0').Output = ANY_OUTPUT[id];
        },
      },
    ),
  ),
  'test_output_in_choice[CONDITION_TRUE]': executionCase(output('choice_condition_jsonata'), { condition: true }),
  'test_output_in_choice[CONDITION_FALSE]': executionCase(output('choice_condition_jsonata'), { condition: false }),
  ...byIds('test_base_cases', Object.keys(ARGUMENTS), (id) =>
    functionCase(`arguments/statemachines/${ARGUMENTS[id]}.json`, 'State0', 'lambda_function_name'),
  ),
};

const COMMENT_CASES: Record<string, Replay> = {
  test_comments_as_per_docs: functionCase(
    'comment/statemachines/comments_as_per_docs.json',
    'TaskStateCatchRetry',
    'lambda_function_1_name',
    'lambda_1_func_',
    {},
  ),
  test_comment_in_parameters: executionCase('comment/statemachines/comment_in_parameters.json', {}),
};

const CONTEXT_OBJECT_CASES: Record<string, Replay> = {
  ...Object.fromEntries(
    ['input_path', 'output_path'].flatMap((name) =>
      ['$$', '$$.Execution.Input'].map((path) => [
        `test_${name}[${path}]`,
        executionCase(contextObject(name), { 'input-value': 0 }, { path }),
      ]),
    ),
  ),
  // The test names the function in its input.
  test_result_selector: templateCase(contextObject('result_selector'), {
    code: ID_FUNCTION,
    change: (definition) => Object.assign(definition, withPath(definition, '$$.Execution.Input')),
    input: ({ name }) => ({ FunctionName: name, Payload: { 'input-value': 0 } }),
    prefix: 'lambda_func_',
    placeholder: '<lambda_function_name>',
  }),
  test_variable: executionCase(contextObject('variable'), { 'input-value': 0 }, { path: '$$.Execution.Input.input-value' }),
  // Since removed from the test file; as the recording made it (LocalStack 365d9ad52^).
  test_items_path: executionCase(contextObject('items_path'), { 'input-values': ['item-0'] }, { path: '$$.Execution.Input.input-values' }),
  test_error_cause_path: executionCase(contextObject('error_cause_path'), {}),
};

/** A definition's context object placeholder replaced by `path`. */
const withPath = (definition: Definition, path: string): Definition =>
  JSON.parse(JSON.stringify(definition).split(CONTEXT_PLACEHOLDER).join(path)) as Definition;

const ASSIGN_CASES: Record<string, Replay> = {
  ...byIds('test_base_cases', ['BASE_CONSTANT_LITERALS', 'BASE_PATHS', 'BASE_VAR', 'BASE_SCOPE_MAP'], (id) =>
    executionCase(assign(id), { input_value: 'input_value_literal' }),
  ),
  'test_base_parallel_cases[BASE_SCOPE_PARALLEL]': async (context) => {
    const { get_execution_history: history } = await executionCase(assign('BASE_SCOPE_PARALLEL'), {})(context);
    normaliseParallel((history as { events: Answer[] }).events);
    return { get_execution_history: history };
  },
  'test_assign_base::test_base_cases[BASE_EMPTY]': executionCase(assign('BASE_EMPTY'), { input_value: 'input_value_literal' }),
  ...byIds(
    'test_reference_assign',
    ['PARAMETERS', 'CHOICE', 'WAIT', 'ITERATOR_OUTER_SCOPE', 'INPUTPATH', 'OUTPUTPATH', 'INTRINSIC_FUNCTION', 'FAIL'].map(
      (where) => `BASE_REFERENCE_IN_${where}`,
    ),
    (id) => executionCase(assign(id), {}),
  ),
  ...byIds(
    'test_undefined_reference',
    ['OUTPUT', 'OUTPUT_FIELD', 'OUTPUT_MULTIPLE_STATES', 'ASSIGN', 'ARGUMENTS', 'ARGUMENTS_FIELD'].map((what) => `BASE_UNDEFINED_${what}`),
    (id) => executionCase(assign(id), {}),
  ),
  ...byIds(
    'test_assign_from_value',
    ['PARAMETERS', 'RESULT', 'INTRINSIC_FUNCTION'].map((from) => `BASE_ASSIGN_FROM_${from}`),
    (id) => executionCase(assign(id), {}),
  ),
  'test_state_assign_evaluation_order[BASE_EVALUATION_ORDER_PASS_STATE]': executionCase(assign('BASE_EVALUATION_ORDER_PASS_STATE'), {}),
  'test_assign_in_choice_state[CORRECT]': executionCase(assign('BASE_ASSIGN_IN_CHOICE'), { input_value: '42' }),
  'test_assign_in_choice_state[INCORRECT]': executionCase(assign('BASE_ASSIGN_IN_CHOICE'), { input_value: '0' }),
  test_assign_in_wait_state: executionCase(assign('BASE_ASSIGN_IN_WAIT'), {}),
  ...byIds(
    'test_reference_in_map_state',
    ['INTRINSIC_FUNCTION', 'ITEMS_PATH', 'MAX_CONCURRENCY_PATH', 'TOLERATED_FAILURE_PATH', 'ITEM_SELECTOR'].map(
      (where) => `MAP_STATE_REFERENCE_IN_${where}`,
    ),
    (id) => executionCase(assign(id), {}),
  ),
};

/** What test_reference_in_map_state_max_items_path puts in its bucket as `file.json`. */
const STATEMENTS = [
  { verdict: 'true', statement_date: '6/11/2008', statement_source: 'speech' },
  { verdict: 'false', statement_date: '6/7/2022', statement_source: 'television' },
  { verdict: 'mostly-true', statement_date: '5/18/2016', statement_source: 'news' },
  { verdict: 'false', statement_date: '5/18/2024', statement_source: 'x' },
];

/** A distributed Map reading the bucket's `file.json`, the bucket named `bucket-name` in the recording. */
const bucketCase =
  (id: string): Replay =>
  async (context) => {
    const bucket = context.name('bucket-');
    context.replace(bucket, 'bucket-name');
    await context.putObject(bucket, 'file.json', JSON.stringify(STATEMENTS));
    return {
      get_execution_history: await recordExecution(context, template(assign(id)), JSON.stringify({ Bucket: bucket, Key: 'file.json' })),
    };
  };

export const OUTPUT_DECLARATION_CASES: Record<string, Replay> = {
  ...OUTPUT_CASES,
  ...COMMENT_CASES,
  ...CONTEXT_OBJECT_CASES,
  ...ASSIGN_CASES,
  ...byIds(
    'test_reference_in_map_state_max_items_path',
    ['MAX_ITEMS_PATH', 'MAX_PER_BATCH_PATH'].map((where) => `MAP_STATE_REFERENCE_IN_${where}`),
    bucketCase,
  ),
};
