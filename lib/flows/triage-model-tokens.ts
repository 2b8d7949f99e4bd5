import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Duration } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import {
  type AgentTokenRate,
  FlowControlTable,
  invalidProp,
  type QueueConsumerFlowControl,
  type SwitchyardFunction,
  validateRange,
} from 'switchyard-cdk/constructs';
import { ERROR_NAMES } from '../../domain/index.js';
import { APP_ENV } from '../../domain/wiring.js';

/** Tokens a window may hold at most: far above any provider's quota, low enough to catch a typo. */
const MAX_TOKENS = 1_000_000_000;

/**
 * How long the triage starter pauses after a full token window when the execution's cause
 * names no retry-after, and at most: a minute window ends within 60 s.
 */
const TOKEN_PAUSE = { defaultPause: Duration.seconds(15), maxPause: Duration.seconds(60) } as const;

/** What the triage flow needs for a token budget on its model. */
export interface TriageModelTokens {
  /** Where the windows are kept; the triage starter's pauses share it. */
  readonly table: FlowControlTable;
  /** The triage starter's flow control: a full window pauses every start until it has room. */
  readonly starterFlowControl: QueueConsumerFlowControl;
}

/**
 * Puts the classify function under a token budget on its model (the kit's TokenBudget,
 * `lambdas/triage/model-tokens.ts`): the function reserves each call's estimate in the
 * model's windows and settles to the reported usage. A full window fails the classify task
 * with TokenLimitReached; `failFlow` makes the EXPRESS execution fail with it, and the
 * starter (an EXPRESS starter reads that failure as a throttling answer) pauses the model's
 * key for every ticket until the window has room, holding the tickets back rather than
 * failing them or routing them to a person.
 */
export function triageModelTokens(
  scope: Construct,
  classifier: SwitchyardFunction,
  rate: AgentTokenRate,
  model: string,
): TriageModelTokens {
  // The starter's pause key: one per flow, so a constant (the model id may be a token).
  const pauseKey = 'classify-model';
  if (rate.tokensPerDay !== undefined && rate.tokensPerMinute === undefined) {
    invalidProp(scope, 'modelTokens.tokensPerDay needs tokensPerMinute (got only a daily limit)');
  }
  validateRange(scope, 'modelTokens.tokensPerMinute', rate.tokensPerMinute, 1, MAX_TOKENS);
  validateRange(scope, 'modelTokens.tokensPerDay', rate.tokensPerDay, rate.tokensPerMinute, MAX_TOKENS);
  const table = new FlowControlTable(scope, 'ModelTokens');
  table.connect(classifier);
  classifier.addEnvironment(
    APP_ENV.modelTokenLimits,
    JSON.stringify({ model, limits: { perMinute: rate.tokensPerMinute, ...(rate.tokensPerDay ? { perDay: rate.tokensPerDay } : {}) } }),
  );
  return {
    table,
    starterFlowControl: { key: pauseKey, pauseOnThrottle: TOKEN_PAUSE, table: table.table },
  };
}

/** Catches TokenLimitReached on the classify task into a Fail state carrying it (and its "retry in N s") to the starter. */
export function failOnFullTokenWindow(scope: Construct, classify: sfn.TaskStateBase): void {
  classify.addCatch(
    sfn.Fail.jsonata(scope, 'ModelTokensFull', { error: ERROR_NAMES.tokenLimitReached, cause: '{% $states.input.Cause %}' }),
    { errors: [ERROR_NAMES.tokenLimitReached] },
  );
}
