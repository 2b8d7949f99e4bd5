import { DescribeExecutionCommand, type DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import type { ForkAnswer } from '../clients/read-api-contract.js';
import { errorCode } from '../inspect/aws.js';
import { durableFunctions, isDurableExecutionArn, loadDurableExecution } from '../inspect/durable.js';
import { CliError } from '../inspect/errors.js';
import { executionNamesAbout } from '../inspect/execution-names.js';
import { postReadApi } from '../inspect/read-api.js';
import { type StoppedExecution, type StopReason, stopDurableExecution, stopStateMachineExecution } from '../inspect/stop.js';
import { TEST_REGION } from './clients.js';
import { cliClients, closeCliClients } from './failures.js';
import { listed, TestAppError } from './poll.js';
import type { RunningApp } from './start.js';

/**
 * Where a fork begins and what it begins with: the state's recorded input (neither `input`
 * nor `patch`), another input, or the recorded one patched.
 */
export type ForkOptions = ForkStartOptions & (ForkRecordedInput | ForkInput | ForkPatch);

/** Where a fork begins, and what its steps do about their effects. */
export interface ForkStartOptions {
  /** The top-level state the fork begins at (one the parent entered). */
  readonly from: string;
  /**
   * `skip`: a step that runs again meets the idempotency claims its parent made; `rerun`: its
   * effects are meant to apply again.
   * @defaultValue 'skip'
   */
  readonly effects?: 'skip' | 'rerun';
}

/** The fork begins with the input the state was entered with. */
export interface ForkRecordedInput {
  /** Not given: the recorded input. @default undefined */
  readonly input?: undefined;
  /** Not given: nothing patched. @default undefined */
  readonly patch?: undefined;
}

/** The fork begins with another input. */
export interface ForkInput {
  /** The state's input instead of the recorded one. */
  readonly input: unknown;
  /** Not given with `input`. @default undefined */
  readonly patch?: undefined;
}

/** The fork begins with the recorded input, patched. */
export interface ForkPatch {
  /** An RFC 7396 merge patch of the recorded input: the members it names replace the recorded ones, `null` removes one. */
  readonly patch: unknown;
  /** Not given with `patch`. @default undefined */
  readonly input?: undefined;
}

/**
 * Starts a fork of a Step Functions execution (its name or ARN, or what it is about: the
 * business key `switchyard executions` shows, `OrderPlaced#orderId="O-1"`, or the id alone,
 * `O-1`) at one of its top-level states, as `switchyard fork` does on the local runtime (the read API's POST /forks), and
 * resolves with the fork's ARN. The same fork asked twice answers the execution the first
 * one started.
 */
export async function forkExecution(app: RunningApp, execution: string, options: ForkOptions): Promise<string> {
  const parent = await describedExecution(app, execution);
  if (parent === undefined) throw new TestAppError(`cannot fork ${execution}: ${noExecution(app, execution)}`);
  const target = { kind: 'local' as const, endpoint: app.endpoint, region: TEST_REGION };
  try {
    const answer = await postReadApi<ForkAnswer>(target, '/forks', { executionArn: parent.executionArn, ...options });
    return answer.executionArn;
  } catch (error) {
    throw error instanceof CliError ? new TestAppError(`cannot fork ${execution}: ${error.message}`, { cause: error }) : error;
  }
}

/**
 * Stops a running execution (its name or ARN, or what it is about: the business key
 * `switchyard executions` shows or the id alone, as `switchyard stop` takes it) as
 * `switchyard stop` does: a Step Functions one
 * with StopExecution (it ends ABORTED), a Lambda durable one with StopDurableExecution (it ends
 * STOPPED). One that has ended is left as it is (`stopped: false`).
 */
export async function stopExecution(app: RunningApp, execution: string, reason: StopReason): Promise<StoppedExecution> {
  const clients = cliClients(app);
  try {
    const durableArn = isDurableExecutionArn(execution);
    const described = durableArn ? undefined : await describedExecution(app, execution);
    if (described !== undefined) return await stopStateMachineExecution(clients, described, reason);
    const functions = durableArn ? [] : await durableFunctions(clients, app.cdkOut);
    if (!durableArn && functions.length === 0) throw new TestAppError(`cannot stop ${execution}: ${noExecution(app, execution)}`);
    const aliases = () => executionNamesAbout(app.cdkOut, execution);
    return await stopDurableExecution(clients, (await loadDurableExecution(clients, functions, execution, aliases)).execution, reason);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    // A name no Standard state machine nor durable function has.
    const named = /^no durable execution named/.test(error.message) ? `${noExecution(app, execution)}; ${error.message}` : error.message;
    throw new TestAppError(`cannot stop ${execution}: ${named}`, { cause: error });
  } finally {
    closeCliClients(clients);
  }
}

/**
 * The Step Functions execution of that ARN, or of that name in one of the app's Standard state
 * machines; when none has the name, of the names a workflow starter gives an execution about it
 * (inspect/execution-names.ts, as every CLI command that takes an execution tries them).
 * Undefined when none has it.
 */
async function describedExecution(app: RunningApp, execution: string): Promise<DescribeExecutionCommandOutput | undefined> {
  if (execution.startsWith('arn:')) return describedNamed(app, execution, [execution]);
  const named = await describedNamed(app, execution, [execution]);
  if (named !== undefined) return named;
  const aliases = executionNamesAbout(app.cdkOut, execution);
  return aliases.length === 0 ? undefined : describedNamed(app, execution, aliases);
}

/** The one execution of the app's Standard state machines with one of `names` (execution names, or one ARN). */
async function describedNamed(
  app: RunningApp,
  execution: string,
  names: readonly string[],
): Promise<DescribeExecutionCommandOutput | undefined> {
  const machines = app.runtime.definitions.stateMachines.filter((m) => m.type !== 'EXPRESS');
  const arns = names.flatMap((name) =>
    name.startsWith('arn:') ? [name] : machines.map((m) => `${m.arn.replace(':stateMachine:', ':execution:')}:${name}`),
  );
  const found: DescribeExecutionCommandOutput[] = [];
  for (const executionArn of arns) {
    try {
      found.push(await app.clients.sfn.send(new DescribeExecutionCommand({ executionArn })));
    } catch (error) {
      if (errorCode(error) !== 'ExecutionDoesNotExist') throw error;
    }
  }
  if (found.length > 1)
    throw new TestAppError(
      `execution ${execution} is in several state machines (${found.map((e) => e.executionArn).join(', ')}): give its ARN`,
    );
  return found[0];
}

function noExecution(app: RunningApp, execution: string): string {
  const machines = app.runtime.definitions.stateMachines.filter((m) => m.type !== 'EXPRESS').map((m) => m.name);
  return (
    `no execution ${execution} in the app's Standard state machines (${listed(machines, 10)}); an execution is named by ` +
    'its ARN, its name, or what it is about: the business key switchyard executions lists (OrderPlaced#orderId="O-1") or the id alone (O-1)'
  );
}
