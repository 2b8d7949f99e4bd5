import { recordExecution, template, templateCase } from './recorded-executions.js';
import type { Answer, Replay } from './recorded-replay.js';

/**
 * The recorded Parallel and Map states, replayed as LocalStack's tests/aws/services/stepfunctions/v2/
 * scenarios/test_base_scenarios.py (branches of Pass states, nested, in order; the Map scenarios
 * not among test/conformance/asl/'s executions) and states_variables/test_error_output.py (a
 * branch whose function raises, caught, retried) make them. The Parallel tests stored AWS's history
 * through their `SfnNoneRecursiveParallelTransformer`, so the live history goes through the same
 * transformation before it is compared.
 */

/** The events that end the transformer's run of branch events (`HistoryEventType`'s). */
const ENDS = new Set(['ParallelStateSucceeded', 'ParallelStateAborted', 'ParallelStateExited', 'ParallelStateFailed']);

/**
 * JSON text with sorted keys: the order the transformer sorted the events by (the snapshot's keys
 * are sorted, and its JSON text, an output, was parsed before).
 */
function sortedJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'string' && /^[{[]/.test(value)) {
    try {
      return sortedJson(JSON.parse(value));
    } catch {
      // Text that only looks like JSON sorts as text.
    }
  }
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${sortedJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/**
 * LocalStack's `SfnNoneRecursiveParallelTransformer._normalise_events`, step for step (its
 * Python slice assignments as splices): the events after a ParallelStateStarted get the id `(0,)`
 * and previous id 0 and are sorted up to the next Parallel end event; a second end event in a row
 * (ParallelStateSucceeded or ParallelStateFailed, then ParallelStateExited) puts the same run back
 * one event longer, which drops the first.
 */
export function normaliseParallelEvents(events: Answer[]): void {
  let start: number | undefined;
  let run: Answer[] = [];
  let inRun = false;
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as Answer;
    const type = event.type;
    if (type === undefined) inRun = false;
    else if (ENDS.has(String(type))) {
      const from = start ?? 0;
      events.splice(from, Math.max(0, i - from), ...[...run].sort((a, b) => (sortedJson(a) < sortedJson(b) ? -1 : 1)));
      inRun = false;
    } else if (type === 'ParallelStateStarted') {
      inRun = true;
      run = [];
      start = i + 1;
    } else if (inRun) {
      event.id = [0];
      event.previousEventId = 0;
      run.push(event);
    }
  }
}

/** A replay whose history is compared as the transformer left AWS's. */
const normalised =
  (replay: Replay): Replay =>
  async (context) => {
    const answers = await replay(context);
    const history = answers.get_execution_history as Answer;
    if (Array.isArray(history.events)) normaliseParallelEvents(history.events as Answer[]);
    return answers;
  };

/** A base scenario: a template of Pass states and one execution. */
const scenario = (machine: string, input: string): Replay =>
  normalised(async (context) => ({
    get_execution_history: await recordExecution(context, template(`scenarios/statemachines/${machine}.json`), input),
  }));

/** JSON text as the tests' `json.dumps` writes it (`, ` and `: ` between items), which the first state's input keeps. */
export const pythonJson = (value: unknown): string =>
  JSON.stringify(value).replace(
    /("(?:[^"\\]|\\.)*")|([,:])/g,
    (_match, text: string | undefined, separator: string | undefined) => text ?? `${separator} `,
  );

/** A base scenario on a Map state: a template (its `_tbd_` replaced as the test does) and one execution, not normalised. */
const mapScenario =
  (machine: string, input: unknown, tbd?: string): Replay =>
  async (context) => {
    let definition = template(`scenarios/statemachines/${machine}.json`);
    if (tbd !== undefined) definition = JSON.parse(JSON.stringify(definition).replace('"_tbd_"', tbd)) as typeof definition;
    return { get_execution_history: await recordExecution(context, definition, pythonJson(input)) };
  };

/** test_error_output.py's Parallel templates by pytest's ids: a function that raises, `{"inputData": "dummy"}`. */
const parallelCatch = (id: string): [string, Replay] => [
  `test_parallel_catch_error[${id}]`,
  normalised(
    templateCase(`statevariables/statemachines/${id.toLowerCase()}.json`, {
      code: 'errorhandling/lambdafunctions/raise_exception.py',
      input: () => ({ inputData: 'dummy' }),
      prefix: 'fn-exception-',
    }),
  ),
];

export const PARALLEL_MAP_CASES: Record<string, Replay> = {
  // The test's recording of 2023, before it was parametrized, and its PARALLEL_STATE case.
  test_parallel_state: scenario('parallel_state', '{}'),
  'test_parallel_state[PARALLEL_STATE]': scenario('parallel_state', '{}'),
  test_parallel_state_order: scenario('parallel_state_order', '{}'),
  // Python's json.dumps: its separators are kept in the execution's input.
  test_parallel_state_nested: scenario('parallel_state_nested', '[[1, 2, 3], [4, 5, 6]]'),
  // The Map scenarios not among test/conformance/asl/'s executions.
  test_map_state: mapScenario('map_state', {}),
  test_map_state_legacy: mapScenario('map_state_legacy', {}),
  test_map_state_catch_legacy: mapScenario('map_state_catch_legacy', {}),
  test_map_state_config_inline_parameters: mapScenario('map_state_config_inline_parameters', ['Hello', 'World']),
  // The test's recording of 2023, before it was parametrized (MAP_STATE_ITEM_SELECTOR).
  test_map_state_item_selector: mapScenario('map_state_item_selector', {}),
  test_map_state_item_selector_parameters: mapScenario('map_state_item_selector_parameters', {}),
  test_map_state_item_selector_singleton: mapScenario('map_state_item_selector_singletons', {}),
  test_map_state_nested_config_distributed: mapScenario('map_state_nested_config_distributed', {}),
  'test_max_concurrency_path[max_concurrency_value0]': mapScenario('max_concurrency_path', {
    MaxConcurrencyValue: {},
    Values: ['HelloWorld'],
  }),
  test_max_concurrency_path_negative: mapScenario('max_concurrency_path', { MaxConcurrencyValue: -1, Values: ['HelloWorld'] }),
  'test_map_state_items_input_array[singleton]': mapScenario('map_state_items', { items: [0] }),
  'test_map_state_items_input_types[object]': mapScenario('map_state_items', { items: { foo: 'bar' } }),
  'test_map_state_items_variable_sampling[object]': mapScenario('map_state_items_variable', {}, '{"foo": "bar"}'),
  'test_map_state_items_variable_sampling[string]': mapScenario('map_state_items_variable', {}, '"string"'),
  'test_map_state_items_eval_jsonata_variable_sampling_fail[null]': mapScenario('map_state_items_variable', {}, '"{% null %}"'),
  'test_map_state_tolerated_failure_percentage_path[tolerated_failure_percentage_value0]': mapScenario(
    'map_state_tolerated_failure_percentage_path',
    { Items: [0], ToleratedFailurePercentage: {} },
  ),
  ...Object.fromEntries(
    ['PARALLEL_CATCH_ERROR_OUTPUT', 'PARALLEL_CATCH_ERROR_VARIABLE_SAMPLING', 'PARALLEL_CATCH_ERROR_OUTPUT_WITH_RETRY'].map(parallelCatch),
  ),
};
