import { ConditionalCheckFailedException, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { AgentModelCallRequest } from '../../contracts/agent-graph.js';
import { ERROR_NAMES } from '../../contracts/wiring.js';
import { SwitchyardError } from './errors.js';

/** The budget an agent graph sends each model call: the execution's id (its item) and how many calls it may make, retries included. */
export type ModelBudget = AgentModelCallRequest['budget'];

/**
 * The execution's budget of model calls is spent: the call was not made. The agent
 * graph's state machine catches this name and stops the flow; it is never retried.
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
export async function spendModelCall(dynamodb: DynamoDBClient, tableName: string, budget: ModelBudget): Promise<number> {
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

/** Adds a call's tokens to the execution's budget item (for the record; the budget counts calls). */
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
