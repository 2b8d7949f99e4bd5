import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type ModelCallReservation, reserveModelCall, SwitchyardError, settleModelCall } from 'switchyard-cdk/kit';
import { type AgentModelCallRequest, RESEARCH_ERRORS, type ResearchSubTask } from '../../domain/index.js';
import { APP_ERROR_NAMES } from '../../domain/wiring.js';
import type { ResearchModel, SubTaskAnswer } from './research.js';

/** The model did not answer (simulated); the state machine retries the call with backoff. */
export class ModelUnavailableError extends SwitchyardError {
  override readonly name = APP_ERROR_NAMES.modelUnavailable;
}

/** The model refused the sub-task (simulated); not retried, the sub-task fails. */
export class ModelRejectedError extends SwitchyardError {
  override readonly name = RESEARCH_ERRORS.modelRejected;
  override get retryable(): boolean {
    return false;
  }
}

export interface ModelCallDeps {
  readonly dynamodb: DynamoDBClient;
  readonly model: ResearchModel;
  readonly budgetTable: string;
  /** Where the models' token windows are kept; needed when the graph gives its models tokens per minute. */
  readonly flowControlTable?: string;
  readonly ledgerTable: string;
  /** The clock token windows are told by. @default Date.now */
  readonly now?: () => number;
}

/**
 * One model call for one sub-task: reserves the call's estimated tokens in its model's
 * token windows and the execution's budget (or throws TokenLimitReached, and the state
 * machine waits for the next window, or BudgetExhausted, and nothing is called), calls
 * the model, settles the reservation to the tokens the model reported, and writes the call
 * to the ledger where it happens, whatever its outcome: one item per request, sub-task
 * and attempt, counting its calls, with the answer.
 *
 * An attempt the ledger already holds an outcome for is answered from it (its answer, or
 * the same error again), without spending the budget or calling the model again: the task
 * that made the call can be run a second time with the same attempt number (its result was
 * lost when the runtime running it died, as Step Functions runs a task at least once), and
 * a model call costs money.
 */
export async function callModel(deps: ModelCallDeps, request: AgentModelCallRequest<ResearchSubTask>): Promise<SubTaskAnswer> {
  const { item, attempt } = request;
  const requestId = (request.input as { detail?: { requestId?: string } }).detail?.requestId ?? 'unknown';
  const answered = await answeredBefore(deps, requestId, request);
  if (answered !== undefined) return answered;
  const prompt = { modelId: request.modelId, prompt: item.prompt };
  const reservation = await reserveModelCall(deps, request, deps.model.estimateTokens(prompt));
  const { callNumber } = reservation;
  const simulate = item.simulate;
  if (simulate && attempt <= (simulate.times ?? Number.POSITIVE_INFINITY)) {
    const error =
      simulate.failure === 'transient'
        ? new ModelUnavailableError(`${request.modelId} did not answer sub-task ${item.id} (simulated, attempt ${attempt})`)
        : new ModelRejectedError(`${request.modelId} refused sub-task ${item.id} (simulated, attempt ${attempt})`);
    await record(deps, requestId, request, { outcome: error.name, callNumber, tokens: 0 });
    await settleModelCall(deps, reservation, 0);
    throw error;
  }
  const answer = await deps.model.complete(prompt).catch((error: unknown) => giveBack(deps, reservation, error));
  const tokens = answer.inputTokens + answer.outputTokens;
  await record(deps, requestId, request, { outcome: 'ok', callNumber, tokens, text: answer.text });
  await settleModelCall(deps, reservation, tokens);
  return { subTaskId: item.id, model: request.model, text: answer.text, tokens };
}

/** The model did not answer: its reservation goes back (no usage was reported), then its error is thrown. */
async function giveBack(deps: ModelCallDeps, reservation: ModelCallReservation, error: unknown): Promise<never> {
  try {
    await settleModelCall(deps, reservation, 0);
  } catch (settleError) {
    throw new AggregateError([error, settleError], 'the model call failed, and its token reservation could not be given back');
  }
  throw error;
}

/** The answer the ledger holds for this attempt, if an earlier run of it got one; throws the error it failed with, if it failed. */
async function answeredBefore(
  deps: ModelCallDeps,
  requestId: string,
  request: AgentModelCallRequest<ResearchSubTask>,
): Promise<SubTaskAnswer | undefined> {
  const { Item } = await deps.dynamodb.send(
    new GetItemCommand({ TableName: deps.ledgerTable, Key: ledgerKey(requestId, request), ConsistentRead: true }),
  );
  const outcome = Item?.outcome?.S;
  if (outcome === undefined) return undefined;
  if (outcome !== 'ok') {
    const again = `${request.modelId} failed sub-task ${request.item.id} on attempt ${request.attempt} with ${outcome} (answered from the ledger)`;
    throw outcome === RESEARCH_ERRORS.modelRejected ? new ModelRejectedError(again) : new ModelUnavailableError(again);
  }
  if (Item?.answer?.S === undefined) return undefined;
  return { subTaskId: request.item.id, model: request.model, text: Item.answer.S, tokens: Number(Item.tokens?.N ?? '0') };
}

function ledgerKey(requestId: string, request: AgentModelCallRequest<ResearchSubTask>) {
  return { requestId: { S: requestId }, call: { S: `${request.item.id}#${request.attempt}` } };
}

async function record(
  deps: ModelCallDeps,
  requestId: string,
  request: AgentModelCallRequest<ResearchSubTask>,
  call: { outcome: string; callNumber: number; tokens: number; text?: string },
): Promise<void> {
  // ADD, not a put: were a sub-task's attempt ever called twice (a second execution for
  // one request), the ledger would count 2 rather than hide the second call.
  await deps.dynamodb.send(
    new UpdateItemCommand({
      TableName: deps.ledgerTable,
      Key: ledgerKey(requestId, request),
      UpdateExpression: `ADD calls :one SET subTaskId = :subTask, attempt = :attempt, model = :model, modelId = :modelId, outcome = :outcome, callNumber = :callNumber, tokens = :tokens, execution = :execution, calledAt = :now${call.text === undefined ? '' : ', answer = :answer'}`,
      ExpressionAttributeValues: {
        ':one': { N: '1' },
        ':subTask': { S: request.item.id },
        ':attempt': { N: String(request.attempt) },
        ':model': { S: request.model },
        ':modelId': { S: request.modelId },
        ':outcome': { S: call.outcome },
        ':callNumber': { N: String(call.callNumber) },
        ':tokens': { N: String(call.tokens) },
        ':execution': { S: request.budget.key },
        ':now': { S: new Date().toISOString() },
        ...(call.text === undefined ? {} : { ':answer': { S: call.text } }),
      },
    }),
  );
}
