import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import {
  type CircuitBreaker,
  circuitBreakerFromEnv,
  EventPublisher,
  logger,
  SimulationRefusedError,
  simulatedFailuresAllowed,
  tracer,
} from 'switchyard-cdk/kit';
// A namespace import keeps only the builders used in the bundle (see domain/index.ts).
import * as Type from 'typebox';
import { ENV, RETRYABLE_MODEL_ERRORS, type TriageSimulation, TriageSimulationSchema, validatorFor } from '../../domain/index.js';
import type { TicketClassification, TicketClassifier } from './classifier.js';
import { InvalidTicketError, ModelOutputInvalidError, ModelThrottledError, ModelUnavailableError } from './errors.js';
import { modelTokenBudgetFromEnv } from './model-tokens.js';

/** What the triage state machine passes to the classify task. */
const ClassifyRequest = Type.Object({
  ticketId: Type.String({ minLength: 1 }),
  subject: Type.String(),
  body: Type.String(),
  /** The ticket's simulated model failures (TicketCreated's `simulate`). */
  simulate: Type.Optional(Type.Array(TriageSimulationSchema)),
  /** Which retry of the task this is (the state's RetryCount: 0 on the first attempt). */
  retryCount: Type.Optional(Type.Integer({ minimum: 0 })),
});
const validateRequest = validatorFor(ClassifyRequest);

/**
 * The triage flow's model step (ticket in, queue and confidence out) around one classifier.
 * Each adapter has its own entry (classify-local.ts, classify-bedrock.ts) and TicketTriage
 * bundles the one it is configured with, so a function never loads the other adapter.
 */
export function createClassifyHandler(classifier: TicketClassifier) {
  // Set by CircuitBreaker.grantUse: every execution shares one breaker on the model. Only the
  // model's transient failures count; a bad ticket or a malformed answer says nothing of its health.
  const eventBusName = process.env[ENV.eventBusName];
  const modelCircuit: CircuitBreaker | undefined =
    process.env[ENV.circuitBreakerTable] === undefined
      ? undefined
      : circuitBreakerFromEnv(tracer.captureAWSv3Client(new DynamoDBClient({})), {
          isFailure: (error) => RETRYABLE_MODEL_ERRORS.includes(error.name),
          publisher: eventBusName
            ? new EventPublisher({ client: tracer.captureAWSv3Client(new EventBridgeClient({})), eventBusName })
            : undefined,
        });

  // Set by TicketTriage's `modelTokens`: every classification reserves its tokens in the model's windows first.
  const tokenBudget = modelTokenBudgetFromEnv(tracer.captureAWSv3Client(new DynamoDBClient({})));

  const allowSimulatedFailures = simulatedFailuresAllowed();

  return async (input: unknown, context: Context): Promise<TicketClassification> => {
    logger.addContext(context);
    const request = validateRequest(input);
    if (!request.ok) throw new InvalidTicketError(`classify input is not a ticket: ${request.errors.join('; ')}`);
    const { simulate, retryCount, ...ticket } = request.value;
    const simulated = simulate?.find((s) => s.step === 'classify');
    if (simulated !== undefined && !allowSimulatedFailures) {
      throw new SimulationRefusedError(`ticket ${ticket.ticketId} asks for simulated model failures, which this deployment refuses`);
    }
    const attempt = (retryCount ?? 0) + 1;
    const classify = async () => {
      if (simulated !== undefined && attempt <= (simulated.times ?? Number.POSITIVE_INFINITY)) {
        throw simulatedModelFailure(simulated, ticket.ticketId, attempt);
      }
      return classifier.classify(ticket);
    };
    // While the circuit is open this throws CircuitOpen at once; the flow catches it and escalates.
    const guarded = () => (modelCircuit ? modelCircuit.call(classify) : classify());
    // A full token window throws TokenLimitReached before the model is called; the flow fails
    // with it and the starter pauses. The reservation is given back if the call fails.
    const { usedTokens, ...classification } = tokenBudget ? await tokenBudget.call(ticket, guarded) : await guarded();
    logger.info('ticket classified', { ticketId: request.value.ticketId, ...classification, usedTokens });
    return classification;
  };
}

/** The error a real adapter raises for the simulated failure: the flow retries, escalates and trips the breaker as for a real one. */
function simulatedModelFailure(simulated: TriageSimulation, ticketId: string, attempt: number): Error {
  const why = `model call for ticket ${ticketId} failed (simulated ${simulated.failure}, attempt ${attempt})`;
  switch (simulated.failure) {
    case 'throttled':
      return new ModelThrottledError(why);
    case 'invalid-output':
      return new ModelOutputInvalidError(why);
    default:
      return new ModelUnavailableError(why);
  }
}
