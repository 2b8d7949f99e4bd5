import { AwsError, validationError } from '../endpoint/aws-error.js';
import { assertMockMatchesModel, type OutputModelOf } from './mock-validation.js';
import type { TestStateInput } from './test-state-input.js';

/**
 * What TestState refuses before it runs anything: a mock where AWS takes none, a Map or
 * Parallel state or a callback task without one, a mocked result of the wrong shape (for a
 * Task, against its operation's API model: mock-validation.ts), and settings that need a mock. The API reference documents the rules (a mock only for a Task,
 * Map or Parallel state; `context` only with a mock; one element per Parallel branch); the
 * messages are AWS's as localstack recorded them against AWS (tests/aws/services/
 * stepfunctions/v2/test_state/*.snapshot.json), as AWS's documentation gives no text.
 */
export function assertTestRequest(request: TestStateInput, state: Record<string, unknown>, outputModel: OutputModelOf): void {
  const { mock } = request;
  const type = String(state.Type);
  const resource = typeof state.Resource === 'string' ? state.Resource : '';
  if (!mock) {
    // Checked first: AWS answers this for a Map state without a mock (as recorded).
    if (request.stateConfiguration?.mapIterationFailureCount !== undefined)
      throw validationError('TestState does not support MapIterationFailureCount when a mock is not specified.');
    // AWS answers it as a definition error (recorded).
    if (type === 'Map' || type === 'Parallel')
      throw new AwsError(
        'InvalidDefinition',
        'TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]',
      );
    if (type === 'Task' && /\.(sync(:2)?|waitForTaskToken)$/.test(resource))
      throw validationError(`TestState needs a mock to test the integration pattern of '${resource}'`);
    // "TestState only supports the following when a mock is specified: Activity tasks, ..." (API reference).
    if (type === 'Task' && /^arn:[^:]+:states:[^:]*:[^:]*:activity:/.test(resource))
      throw validationError(`TestState needs a mock to test the activity task '${resource}'`);
    // The API reference: "This field may only be specified if a mock is specified in the same request." (its message is not documented)
    if (request.context !== undefined) throw validationError('TestState does not support a context when a mock is not specified.');
    if (type === 'Task' && request.roleArn === undefined) throw validationError('RoleArn must be specified when testing a Task state');
    return;
  }
  if (mock.result !== undefined && mock.errorOutput !== undefined)
    throw validationError('A test mock should have only one of the following fields: [result, errorOutput].');
  if (type !== 'Task' && type !== 'Map' && type !== 'Parallel')
    throw validationError(`State type '${type}' is not supported when a mock is specified`);
  if (request.revealSecrets === true) throw validationError('TestState does not support RevealSecrets when a mock is specified.');
  if (mock.result === undefined) return;
  const result = mocked(mock.result);
  assertResultShape(result, state, request);
  if (type === 'Task') assertMockMatchesModel(result, resource, mock.fieldValidationMode, outputModel);
}

function mocked(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw validationError('Mocked result must be valid JSON', { cause: error });
  }
}

/** A Map's result is an array (an object with a ResultWriter), a Parallel's an array with one element per branch. */
function assertResultShape(result: unknown, state: Record<string, unknown>, request: TestStateInput): void {
  if (state.Type === 'Map') {
    if (state.ResultWriter !== undefined) {
      if (typeof result !== 'object' || result === null || Array.isArray(result))
        throw validationError('Mocked result must be a JSON object.');
      return;
    }
    if (!Array.isArray(result)) throw validationError('Mocked result must be an array.');
    const failures = request.stateConfiguration?.mapIterationFailureCount;
    if (failures !== undefined && failures > result.length)
      throw validationError('Map iteration failure count must be less than or equal to the number of Map iterations');
  }
  if (state.Type === 'Parallel') {
    if (!Array.isArray(result)) throw validationError('Mocked result must be an array.');
    if (Array.isArray(state.Branches) && result.length !== state.Branches.length)
      throw validationError('Mocked result must contain the same number of items as number of Parallel branches.');
  }
}

/**
 * The mock a Map state's `mapIterationFailureCount` makes of a mocked result: the state's
 * failure `States.ExceedToleratedFailureThreshold` when the failed iterations exceed its
 * ToleratedFailureCount or ToleratedFailurePercentage, else the mock as given. A Map that
 * sets neither is not failed (as recorded against AWS; the documentation is silent).
 */
export function withMapFailures(request: TestStateInput, state: Record<string, unknown>): TestStateInput['mock'] {
  const { mock } = request;
  const failures = request.stateConfiguration?.mapIterationFailureCount;
  if (state.Type !== 'Map' || mock?.result === undefined || failures === undefined) return mock;
  const items = (JSON.parse(mock.result) as unknown[]).length;
  const count = typeof state.ToleratedFailureCount === 'number' ? state.ToleratedFailureCount : undefined;
  const percentage = typeof state.ToleratedFailurePercentage === 'number' ? state.ToleratedFailurePercentage : undefined;
  const exceeded =
    (count !== undefined && failures > count) || (percentage !== undefined && items > 0 && (failures / items) * 100 > percentage);
  if (!exceeded) return mock;
  return {
    errorOutput: { error: 'States.ExceedToleratedFailureThreshold', cause: 'The specified tolerated failure threshold was exceeded' },
  };
}
