import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfigError, requireEnv, TokenBudget, type TokenLimits, type TokenReservation } from 'switchyard-cdk/kit';
import { APP_ENV, ENV } from '../../domain/index.js';
import type { ClassifierAnswer } from './classifier.js';

/** The longest answer the classify step asks a model for (the Converse call's maxTokens). */
export const CLASSIFY_MAX_OUTPUT_TOKENS = 200;
/**
 * The system prompt and the tool's schema, in tokens, rounded up: the reservation must not
 * fall short of what the call is billed, or a full window would still let calls through.
 */
const PROMPT_OVERHEAD_TOKENS = 400;
/** English text runs about four characters to a token; the estimate only has to be in range, the settle corrects it. */
const CHARS_PER_TOKEN = 4;

/** What TicketTriage puts in APP_ENV.modelTokenLimits: the budget's key (the model) and its limits. */
export interface ModelTokenSettings {
  readonly model: string;
  readonly limits: TokenLimits;
}

/** The tokens one classification reserves before the call: its prompt, the fixed overhead and the whole answer it may get. */
export function estimateClassifyTokens(ticket: { readonly subject: string; readonly body: string }): number {
  return Math.ceil((ticket.subject.length + ticket.body.length) / CHARS_PER_TOKEN) + PROMPT_OVERHEAD_TOKENS + CLASSIFY_MAX_OUTPUT_TOKENS;
}

/**
 * The triage model's token budget: each classification reserves its estimate in the model's
 * windows (the kit's TokenBudget, in the flow control table) before the call and settles to
 * the tokens the model reported after it. A full window throws TokenLimitReached before the
 * model is called; the triage flow fails with it and its starter pauses until the window
 * has room (docs/flow-control.md). A model that reports no usage (the local one) is settled
 * at the estimate, so the budget behaves locally as it would with a real model.
 */
export class ModelTokenBudget {
  constructor(
    private readonly budget: TokenBudget,
    private readonly settings: ModelTokenSettings,
  ) {}

  async call(
    ticket: { readonly subject: string; readonly body: string },
    classify: () => Promise<ClassifierAnswer>,
  ): Promise<ClassifierAnswer> {
    const estimate = estimateClassifyTokens(ticket);
    const reservation = await this.budget.reserve([{ scope: 'model', key: this.settings.model, limits: this.settings.limits }], estimate);
    let answer: ClassifierAnswer;
    try {
      answer = await classify();
    } catch (error) {
      await this.giveBack(reservation, error);
      throw error;
    }
    await this.budget.settle(reservation, answer.usedTokens ?? estimate);
    return answer;
  }

  /** The call failed before the model reported usage: its reservation goes back. */
  private async giveBack(reservation: TokenReservation, error: unknown): Promise<void> {
    try {
      await this.budget.settle(reservation, 0);
    } catch (settleError) {
      throw new AggregateError([error, settleError], 'the model call failed, and its token reservation could not be given back');
    }
  }
}

/** The budget TicketTriage configured (APP_ENV.modelTokenLimits and ENV.flowControlTable), or undefined if it set none. */
export function modelTokenBudgetFromEnv(client: DynamoDBClient, env: NodeJS.ProcessEnv = process.env): ModelTokenBudget | undefined {
  const raw = env[APP_ENV.modelTokenLimits];
  if (raw === undefined) return undefined;
  return new ModelTokenBudget(new TokenBudget({ client, tableName: requireEnv(ENV.flowControlTable, env) }), parseSettings(raw));
}

function parseSettings(raw: string): ModelTokenSettings {
  let parsed: Partial<ModelTokenSettings>;
  try {
    parsed = JSON.parse(raw) as Partial<ModelTokenSettings>;
  } catch (error) {
    throw new ConfigError(`environment variable ${APP_ENV.modelTokenLimits} is not JSON`, { cause: error });
  }
  const { model, limits } = parsed;
  const whole = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0;
  if (typeof model !== 'string' || model === '' || !whole(limits?.perMinute) || (limits?.perDay !== undefined && !whole(limits.perDay))) {
    throw new ConfigError(
      `environment variable ${APP_ENV.modelTokenLimits} must be {"model": string, "limits": {"perMinute": n, "perDay"?: n}} (got ${raw})`,
    );
  }
  return { model, limits: limits as TokenLimits };
}
