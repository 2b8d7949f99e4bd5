import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Duration } from 'aws-cdk-lib/core';
import type { IConstruct } from 'constructs';
import { ERROR_NAMES } from '../../contracts/wiring.js';
import { invalidProp, validateRange } from './validation.js';

/** The token windows of a model or a tenant, across every execution. */
export interface AgentTokenRate {
  /** Tokens per minute (the window every call reserves its estimate in). */
  readonly tokensPerMinute: number;
  /** Tokens per UTC day. @default - no daily limit */
  readonly tokensPerDay?: number;
}

/**
 * The budget of one execution, in model calls, in tokens or both (a call must fit each),
 * and the tokens per minute of each tenant across executions.
 */
export interface AgentBudget {
  /**
   * Model calls (each attempt counts) one execution may make.
   * @deprecated Count tokens instead (`maxTokens`): a call's cost is its tokens. Still
   * honoured, alone or beside `maxTokens`.
   * @default - calls are not counted against a limit
   */
  readonly maxModelCalls?: number;
  /**
   * A JSONata expression (without `{% %}`) giving a smaller `maxModelCalls` for one
   * execution, for example `$states.context.Execution.Input.detail.maxModelCalls`; it
   * never raises `maxModelCalls`, and an absent value leaves it.
   * @deprecated With `maxModelCalls`; see `perExecutionTokens`.
   * @default - every execution gets maxModelCalls
   */
  readonly perExecution?: string;
  /**
   * Tokens one execution's model calls may use: each call reserves its estimate (one
   * conditional write on the execution's item) and settles to the usage the model reports.
   * @default - tokens are counted, not limited
   */
  readonly maxTokens?: number;
  /**
   * A JSONata expression (without `{% %}`) giving a smaller `maxTokens` for one execution;
   * it never raises `maxTokens`, and an absent value leaves it.
   * @default - every execution gets maxTokens
   */
  readonly perExecutionTokens?: string;
  /**
   * Tokens per minute (and day) of each tenant, across every execution and model: `key` is
   * a JSONata expression (without `{% %}`) naming the execution's tenant, for example
   * `$states.context.Execution.Input.detail.customerId`. An execution whose key is absent is
   * not limited by it.
   * @default - tenants are not limited
   */
  readonly perTenant?: AgentTokenRate & { readonly key: string };
}

/**
 * A model call whose token window is full waits for the next one: Step Functions retries it
 * (the error's retryAfterMs cannot set a Retry's delay, so the delays grow to a minute, a
 * window's length, with full jitter so the waiting calls do not all come back at once).
 * Twenty attempts wait up to about 17 minutes in all, then the item fails with
 * TokenLimitReached and counts against the fan-out's tolerated failures.
 */
export const TOKEN_WAIT_RETRY: sfn.RetryProps = {
  errors: [ERROR_NAMES.tokenLimitReached],
  maxAttempts: 20,
  interval: Duration.seconds(5),
  backoffRate: 2,
  maxDelay: Duration.seconds(60),
  jitterStrategy: sfn.JitterType.FULL,
};

/** The longest a call waits for token windows (every TOKEN_WAIT_RETRY delay at its maximum), in seconds. */
export function tokenWaitSeconds(): number {
  const { maxAttempts = 0, interval, backoffRate = 2, maxDelay } = TOKEN_WAIT_RETRY;
  let total = 0;
  for (let i = 0; i < maxAttempts; i++) {
    total += Math.min((interval?.toSeconds() ?? 1) * backoffRate ** i, maxDelay?.toSeconds() ?? Number.POSITIVE_INFINITY);
  }
  return total;
}

const MAX_TOKENS = 1_000_000_000;

/** Refuses a budget that cannot work: no limit at all, a limit of 0, a day smaller than its minute. */
export function validateBudget(scope: IConstruct, budget: AgentBudget): void {
  if (budget.maxModelCalls === undefined && budget.maxTokens === undefined)
    invalidProp(scope, 'budget must limit maxTokens (or the deprecated maxModelCalls) (got neither)');
  validateRange(scope, 'budget.maxModelCalls', budget.maxModelCalls, 1, 100_000);
  validateRange(scope, 'budget.maxTokens', budget.maxTokens, 1, MAX_TOKENS);
  if (budget.perExecution !== undefined && budget.maxModelCalls === undefined)
    invalidProp(scope, 'budget.perExecution lowers maxModelCalls, which is not set (use perExecutionTokens with maxTokens)');
  if (budget.perExecutionTokens !== undefined && budget.maxTokens === undefined)
    invalidProp(scope, 'budget.perExecutionTokens lowers maxTokens, which is not set');
  if (budget.perTenant) {
    if (budget.perTenant.key.trim() === '') invalidProp(scope, 'budget.perTenant.key must be a JSONata expression (got an empty one)');
    validateTokenRate(scope, 'budget.perTenant', budget.perTenant);
  }
}

/** Refuses a token rate of 0 (nothing could ever be called) or a day smaller than its minute. */
export function validateTokenRate(scope: IConstruct, prop: string, rate: Partial<AgentTokenRate>): void {
  if (rate.tokensPerDay !== undefined && rate.tokensPerMinute === undefined)
    invalidProp(scope, `${prop}.tokensPerDay needs tokensPerMinute (got only a daily limit)`);
  validateRange(scope, `${prop}.tokensPerMinute`, rate.tokensPerMinute, 1, MAX_TOKENS);
  validateRange(scope, `${prop}.tokensPerDay`, rate.tokensPerDay, rate.tokensPerMinute ?? 1, MAX_TOKENS);
}

/**
 * The `budget` of a model call's payload (AgentCallBudget), as JSONata: the execution's
 * limits (lowered per execution where the budget says so) and the model's and the tenant's
 * token windows. A condition without an else is absent when false, and JSONata leaves out a
 * field whose value is absent, so an execution without a tenant key gets no tenant window.
 */
export function budgetPayload(budget: AgentBudget, modelRate: Partial<AgentTokenRate>): string {
  const lowered = (limit: number, expression?: string) =>
    expression ? `($exists(${expression}) ? $min([${expression}, ${limit}]) : ${limit})` : String(limit);
  const window = (rate: Partial<AgentTokenRate>) =>
    `"perMinute": ${rate.tokensPerMinute}${rate.tokensPerDay === undefined ? '' : `, "perDay": ${rate.tokensPerDay}`}`;
  const fields = ['"key": $states.context.Execution.Id'];
  if (budget.maxModelCalls !== undefined) fields.push(`"maxModelCalls": ${lowered(budget.maxModelCalls, budget.perExecution)}`);
  if (budget.maxTokens !== undefined) fields.push(`"maxTokens": ${lowered(budget.maxTokens, budget.perExecutionTokens)}`);
  if (modelRate.tokensPerMinute !== undefined) fields.push(`"modelTokens": { ${window(modelRate)} }`);
  if (budget.perTenant) {
    const { key } = budget.perTenant;
    fields.push(`"tenantTokens": ($exists(${key}) ? { "key": $string(${key}), ${window(budget.perTenant)} })`);
  }
  return `{ ${fields.join(', ')} }`;
}

/** Whether any call of the graph reserves in token windows (and so needs the flow control table). */
export function hasTokenWindows(budget: AgentBudget, models: readonly Partial<AgentTokenRate>[]): boolean {
  return budget.perTenant !== undefined || models.some((model) => model.tokensPerMinute !== undefined);
}
