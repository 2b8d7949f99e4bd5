import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { type CircuitBreaker, circuitBreakerFromEnv, EventPublisher, logger, tracer } from 'switchyard/kit';
// A namespace import keeps only the builders used in the bundle (see domain/index.ts).
import * as Type from 'typebox';
import { ENV, RETRYABLE_MODEL_ERRORS, validatorFor } from '../../domain/index.js';
import type { TicketClassification, TicketClassifier } from './classifier.js';
import { InvalidTicketError } from './errors.js';

/** What the triage state machine passes to the classify task. */
const ClassifyRequest = Type.Object({
  ticketId: Type.String({ minLength: 1 }),
  subject: Type.String(),
  body: Type.String(),
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

  return async (input: unknown, context: Context): Promise<TicketClassification> => {
    logger.addContext(context);
    const request = validateRequest(input);
    if (!request.ok) throw new InvalidTicketError(`classify input is not a ticket: ${request.errors.join('; ')}`);
    const ticket = request.value;
    // While the circuit is open this throws CircuitOpen at once; the flow catches it and escalates.
    const classification = modelCircuit ? await modelCircuit.call(() => classifier.classify(ticket)) : await classifier.classify(ticket);
    logger.info('ticket classified', { ticketId: request.value.ticketId, ...classification });
    return classification;
  };
}
