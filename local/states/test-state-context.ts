import { validationError } from '../endpoint/aws-error.js';

/**
 * The fields a TestState `context` may give, by the Context object's sections (the Developer
 * Guide's "Context object": Execution, State, StateMachine, Task) and whether each is text
 * (`string`), a count (`number`) or any JSON value (`any`). `Map` is the Context object's too,
 * but TestState refuses it: a mocked Map state runs no iteration.
 */
const SECTIONS: Readonly<Record<string, Readonly<Record<string, 'string' | 'number' | 'any'>>>> = {
  Execution: {
    Id: 'string',
    Input: 'any',
    Name: 'string',
    RoleArn: 'string',
    StartTime: 'string',
    RedriveCount: 'number',
    RedriveTime: 'string',
  },
  State: { EnteredTime: 'string', Name: 'string', RetryCount: 'number' },
  StateMachine: { Id: 'string', Name: 'string' },
  Task: { Token: 'string' },
};

/** A Task state whose resource waits for a task token or a child's end: the only state whose Context object has `Task`. */
const CALLBACK = /\.(sync(:2)?|waitForTaskToken)$/;

/**
 * TestState's `context` (the API reference: "A JSON string representing a valid Context object
 * for the state under test"), checked as AWS checks it and parsed: the whole Context object the
 * state sees. AWS documents no messages; these are its answers as LocalStack recorded them
 * (tests/aws/services/stepfunctions/v2/test_state/test_state_context_object.snapshot.json).
 */
export function contextObject(text: string, state: Record<string, unknown>): Record<string, unknown> {
  let context: unknown;
  try {
    context = JSON.parse(text);
  } catch (error) {
    throw invalid('the context must be a JSON object', { cause: error });
  }
  if (!isObject(context)) throw invalid('the context must be a JSON object');
  for (const [section, value] of Object.entries(context)) {
    if (section === 'Map') throw invalid("'Map' field is not supported when mocking a Context object");
    const fields = SECTIONS[section];
    if (fields === undefined) throw invalid(`Field '${section}' is not allowed`);
    if (!isObject(value)) throw invalid(`${section} must be an object`);
    for (const [field, fieldValue] of Object.entries(value)) {
      const kind = fields[field];
      if (kind === undefined) throw invalid(`Field '${field}' is not allowed`);
      if (kind !== 'any' && typeof fieldValue !== kind) throw invalid(`${section}.${field} must be a ${kind}`);
    }
  }
  const callback = state.Type === 'Task' && typeof state.Resource === 'string' && CALLBACK.test(state.Resource);
  if ('Task' in context && !callback)
    throw invalid(
      "Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern",
    );
  return context;
}

const invalid = (reason: string, options?: ErrorOptions) => validationError(`Invalid Context object provided: ${reason}`, options);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
