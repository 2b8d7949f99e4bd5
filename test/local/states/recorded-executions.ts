import { readFileSync } from 'node:fs';
import {
  CreateStateMachineCommand,
  type CreateStateMachineCommandInput,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

/** The recording tests' BaseTemplate.BASE_PASS_RESULT (templates/base/statemachines/pass_result.json5). */
export const BASE_PASS_RESULT = {
  Comment: 'BASE_PASS_RESULT',
  StartAt: 'State_1',
  States: { State_1: { Type: 'Pass', Result: { Arg1: 'argument1' }, End: true } },
};

/** `pass_result` with its Comment suffixed, as the versioning tests make revisions (`BASE_PASS_RESULT-R1`). */
export const passResult = (comment = 'BASE_PASS_RESULT') => ({ ...BASE_PASS_RESULT, Comment: comment });

/**
 * The recording tests' `create_state_machine` with their IAM role: a fresh name (`prefix` and a
 * short uid), which the recording shows as `<ArnPart_<index>idx>` (sfn_sm_create_arn) unless
 * `unnamed` (the test registered no transformer for it), and the role as `role`.
 */
export async function createMachine(
  context: ReplayContext,
  definition: unknown,
  options: Partial<CreateStateMachineCommandInput> & { role?: string; index?: number; unnamed?: boolean; prefix?: string } = {},
): Promise<Answer & { stateMachineArn: string; stateMachineVersionArn?: string }> {
  const { role = 'snf_role_arn', index = 0, unnamed = false, prefix = 'statemachine_', name = context.name(prefix), ...input } = options;
  context.replace(context.roleArn, role);
  if (!unnamed) context.replace(name, `<ArnPart_${index}idx>`);
  const created = await context.call(
    new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: context.roleArn, ...input }),
  );
  if (typeof created.stateMachineArn !== 'string') throw new Error(`CreateStateMachine failed: ${JSON.stringify(created)}`);
  return created as Answer & { stateMachineArn: string };
}

/** StartExecution, its name shown as `<ExecArnPart_<index>idx>` (sfn_sm_exec_arn). */
export async function startExecution(
  context: ReplayContext,
  stateMachineArn: string,
  input?: string,
  index = 0,
): Promise<Answer & { executionArn: string }> {
  const started = await context.call(new StartExecutionCommand({ stateMachineArn, ...(input === undefined ? {} : { input }) }));
  if (typeof started.executionArn !== 'string') throw new Error(`StartExecution failed: ${JSON.stringify(started)}`);
  context.replace(started.executionArn.split(':').at(-1) as string, `<ExecArnPart_${index}idx>`);
  return started as Answer & { executionArn: string };
}

/** The recording tests' `create_and_record_execution`: a machine, one execution to its end, and its history. */
export async function recordExecution(
  context: ReplayContext,
  definition: unknown,
  input: string,
  options: Parameters<typeof createMachine>[2] = {},
): Promise<Answer> {
  const { stateMachineArn } = await createMachine(context, definition, options);
  const { executionArn } = await startExecution(context, stateMachineArn, input);
  await context.ended(executionArn);
  return context.call(new GetExecutionHistoryCommand({ executionArn }));
}

const TEMPLATES = new URL('../../conformance/aws-recorded/stepfunctions/templates/', import.meta.url);

/** A state machine of the recording tests' templates (`errorhandling/statemachines/x.json`), a fresh copy to change. */
export const template = (path: string): Definition => JSON.parse(readFileSync(new URL(path, TEMPLATES), 'utf8')) as Definition;

/** A Python function of the recording tests' templates (`errorhandling/lambdafunctions/x.py`). */
export const functionCode = (path: string): string => readFileSync(new URL(path, TEMPLATES), 'utf8');

/** A definition as the tests change it before they create the machine. */
export type Definition = { States: Record<string, Record<string, unknown>> } & Record<string, unknown>;

/**
 * A function named as the tests name it (`<prefix><short uid>`), shown as `placeholder` in the
 * recording; its name and ARN. A traceback names the function's folder where Lambda's names
 * `/var/task` (docs/local-runtime/lambda.md#python-functions), which the replay replaces alike.
 */
export async function lambdaFunction(
  context: ReplayContext,
  source: string,
  placeholder: string,
  { prefix = 'lambda_1_func_', timeout }: { prefix?: string; timeout?: number } = {},
): Promise<{ name: string; arn: string }> {
  const name = context.name(prefix);
  context.replace(name, placeholder);
  context.replace(TASK_ROOT_FILE, '/var/task/$1');
  return { name, arn: await context.createFunction(name, source, { timeout }) };
}

/** A file of a function's folder in a traceback's `File "..."`. */
const TASK_ROOT_FILE = /(?:\/[^/"\\\s]+)+\/(handler\.py)/g;

/** A template's state, to change as the test does. */
export function stateOf(definition: Definition, name: string): Record<string, unknown> {
  const state = definition.States[name];
  if (!state) throw new Error(`the template has no state ${name}`);
  return state;
}

/** What the query language and state variable templates name the function by, replaced by its ARN. */
export const ARN_PLACEHOLDER = '%LAMBDA_FUNCTION_ARN_LITERAL_PLACEHOLDER%';

export interface TemplateCase {
  /** The function's code (a template's path). */
  readonly code: string;
  /** Changes the template as the test does. */
  readonly change?: (definition: Definition) => void;
  /** The execution's input, which may name the function. */
  readonly input?: (fn: { readonly name: string; readonly arn: string }) => unknown;
  readonly prefix: string;
  readonly placeholder?: string;
}

/**
 * The later recording tests' shape: a Python function, a template (`machine`) whose
 * `%LAMBDA_FUNCTION_ARN_LITERAL_PLACEHOLDER%` is the function's ARN, and one execution.
 */
export const templateCase =
  (
    machine: string,
    { code, change = () => undefined, input = () => ({}), prefix, placeholder = '<lambda-function-name>' }: TemplateCase,
  ): Replay =>
  async (context) => {
    const fn = await lambdaFunction(context, functionCode(code), placeholder, { prefix });
    const definition = template(machine);
    change(definition);
    const withArn = JSON.parse(JSON.stringify(definition).split(ARN_PLACEHOLDER).join(fn.arn)) as Definition;
    return { get_execution_history: await recordExecution(context, withArn, JSON.stringify(input(fn))) };
  };
