import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { AgentCallBudget } from '../../contracts/agent-graph.js';
import { ERROR_NAMES } from '../../contracts/wiring.js';
import { ConfigError, SwitchyardError } from './errors.js';
import { addTokens, TokenBudget, type TokenBudgetKey, type TokenReservation } from './flow-control/token-budget.js';

/** The budget an agent graph sends each model call: the execution's item, its calls and tokens, the model's and the tenant's token windows. */
export type ModelBudget = AgentCallBudget;

/**
 * The execution's budget of model calls or tokens is spent: the call was not made. The
 * agent graph's state machine catches this name and stops the flow; it is never retried.
 */
export class BudgetExhaustedError extends SwitchyardError {
  override readonly name = ERROR_NAMES.budgetExhausted;
  override get retryable(): boolean {
    return false;
  }
}

/** How long a budget item is kept after its last call (DynamoDB TTL); a year, as long as a STANDARD execution may run. */
const BUDGET_TTL_SECONDS = 366 * 24 * 3600;

/**
 * Takes one model call from the budget, or throws BudgetExhaustedError: one conditional
 * write (ADD with a condition on the count), so concurrent calls of one execution (Map
 * iterations, parallel branches) can never together exceed the budget. Call it before
 * the model call, once per attempt. Returns the number of this call (1-based).
 */
export async function spendModelCall(
  dynamodb: DynamoDBClient,
  tableName: string,
  budget: { readonly key: string; readonly maxModelCalls: number },
): Promise<number> {
  try {
    const { Attributes } = await dynamodb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { budgetKey: { S: budget.key } },
        UpdateExpression: 'ADD calls :one SET maxModelCalls = :max, expiresAt = :ttl',
        ConditionExpression: 'attribute_not_exists(calls) OR calls < :max',
        ExpressionAttributeValues: {
          ':one': { N: '1' },
          ':max': { N: String(budget.maxModelCalls) },
          ':ttl': { N: String(Math.floor(Date.now() / 1000) + BUDGET_TTL_SECONDS) },
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.calls?.N ?? '1');
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      throw new BudgetExhaustedError(`the budget of ${budget.maxModelCalls} model calls is spent (${budget.key})`);
    }
    throw error;
  }
}

/** Adds a call's tokens to the execution's budget item (for the record, when the budget counts only calls). */
export async function recordModelTokens(dynamodb: DynamoDBClient, tableName: string, key: string, tokens: number): Promise<void> {
  await dynamodb.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: { budgetKey: { S: key } },
      UpdateExpression: 'ADD tokens :tokens',
      ExpressionAttributeValues: { ':tokens': { N: String(tokens) } },
    }),
  );
}

/** Where a model call's budgets are kept: the agent graph's budget table and, for token windows, the flow control table. */
export interface ModelCallBudgetDeps {
  readonly dynamodb: DynamoDBClient;
  /** The agent graph's budget table (ENV.modelBudgetTable). */
  readonly budgetTable: string;
  /** The flow control table (ENV.flowControlTable); required when the budget has token windows. */
  readonly flowControlTable?: string;
  /** @default Date.now */
  readonly now?: () => number;
}

/** What reserveModelCall took, for settleModelCall to correct once the model has answered. */
export interface ModelCallReservation {
  readonly budget: ModelBudget;
  /** The number of this call in its execution (1-based). */
  readonly callNumber: number;
  readonly estimate: number;
  readonly windows?: TokenReservation;
}

/**
 * Takes a model call from its budgets before it is made, or throws and the call is not
 * made: first the model's and the tenant's token windows (TokenLimitReached when they are
 * full: the call waits for the next window; TokenRequestTooLarge when it can never fit),
 * then the execution's budget (BudgetExhausted, which stops the flow): one call and, with
 * `maxTokens`, the call's estimate, in one conditional write. The windows come first as
 * waiting for them is the common refusal and then there is nothing to give back; when the
 * execution's budget refuses, the windows' reservation is given back.
 *
 * `estimate` is at most the tokens the call will use (prompt and the most it may answer).
 */
export async function reserveModelCall(
  deps: ModelCallBudgetDeps,
  request: { readonly budget: ModelBudget; readonly modelId: string },
  estimate: number,
): Promise<ModelCallReservation> {
  const { budget } = request;
  const windowKeys = tokenWindowsOf(request);
  const windows = windowKeys.length > 0 ? await tokenBudget(deps).reserve(windowKeys, estimate) : undefined;
  try {
    const callNumber = await spendExecutionBudget(deps, budget, estimate);
    return { budget, callNumber, estimate, ...(windows ? { windows } : {}) };
  } catch (error) {
    if (windows) await tokenBudget(deps).settle(windows, 0);
    throw error;
  }
}

/**
 * Corrects a call's reservation to the tokens the model reported (0 when it was not
 * called or reported none): its windows and, with `maxTokens`, the execution's item, by
 * the difference; unconditionally, as the tokens were used. Without `maxTokens` the tokens
 * are added to the execution's item for the record.
 */
export async function settleModelCall(deps: ModelCallBudgetDeps, reservation: ModelCallReservation, usedTokens: number): Promise<void> {
  const { budget, estimate, windows } = reservation;
  await Promise.all([
    windows ? tokenBudget(deps).settle(windows, usedTokens) : undefined,
    budget.maxTokens === undefined
      ? recordModelTokens(deps.dynamodb, deps.budgetTable, budget.key, usedTokens)
      : usedTokens === estimate
        ? undefined
        : addTokens(deps.dynamodb, { tableName: deps.budgetTable, key: { budgetKey: { S: budget.key } }, tokens: usedTokens - estimate }),
  ]);
}

function tokenWindowsOf(request: { readonly budget: ModelBudget; readonly modelId: string }): TokenBudgetKey[] {
  const { modelTokens, tenantTokens } = request.budget;
  const keys: TokenBudgetKey[] = [];
  if (modelTokens) keys.push({ scope: 'model', key: request.modelId, limits: modelTokens });
  if (tenantTokens) keys.push({ scope: 'tenant', key: tenantTokens.key, limits: tenantTokens });
  return keys;
}

function tokenBudget(deps: ModelCallBudgetDeps): TokenBudget {
  if (deps.flowControlTable === undefined) {
    throw new ConfigError('the model call has token windows to reserve in, but no flow control table (ENV.flowControlTable) is set');
  }
  return new TokenBudget({ client: deps.dynamodb, tableName: deps.flowControlTable, now: deps.now });
}

/** One call from the execution's budget: counted against maxModelCalls, its estimate against maxTokens (one conditional write each). */
async function spendExecutionBudget(deps: ModelCallBudgetDeps, budget: ModelBudget, estimate: number): Promise<number> {
  const { maxModelCalls, maxTokens, key } = budget;
  if (maxTokens === undefined) {
    if (maxModelCalls === undefined) return 1;
    return spendModelCall(deps.dynamodb, deps.budgetTable, { key, maxModelCalls });
  }
  if (estimate > maxTokens)
    throw new BudgetExhaustedError(`a call of ${estimate} tokens does not fit the budget of ${maxTokens} tokens (${key})`);
  const limits: Record<string, AttributeValue> = { maxTokens: { N: String(maxTokens) } };
  if (maxModelCalls !== undefined) limits.maxModelCalls = { N: String(maxModelCalls) };
  try {
    const { count } = await addTokens(deps.dynamodb, {
      tableName: deps.budgetTable,
      key: { budgetKey: { S: key } },
      tokens: estimate,
      atMost: maxTokens - estimate,
      count: 'calls',
      countAtMost: maxModelCalls === undefined ? undefined : maxModelCalls - 1,
      set: { ...limits, expiresAt: { N: String(Math.floor((deps.now ?? Date.now)() / 1000) + BUDGET_TTL_SECONDS) } },
    });
    return count;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // Which of the two limits refused: read after the write, which made the decision.
    const { Item } = await deps.dynamodb.send(
      new GetItemCommand({ TableName: deps.budgetTable, Key: { budgetKey: { S: key } }, ConsistentRead: true }),
    );
    const calls = Number(Item?.calls?.N ?? '0');
    const message =
      maxModelCalls !== undefined && calls >= maxModelCalls
        ? `the budget of ${maxModelCalls} model calls is spent (${key})`
        : `the budget of ${maxTokens} tokens is spent (${key}): ${Item?.tokens?.N ?? 0} used or reserved, this call needs up to ${estimate}`;
    throw new BudgetExhaustedError(message, { cause: error });
  }
}
