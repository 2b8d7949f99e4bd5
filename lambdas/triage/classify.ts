import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { type CircuitBreaker, circuitBreakerFromEnv, EventPublisher, logger, tracer } from 'switchyard/kit';
import Type from 'typebox';
import { ENV, RETRYABLE_MODEL_ERRORS, validatorFor } from '../../domain/index.js';
import { APP_ENV } from '../../domain/wiring.js';
import { BedrockTicketClassifier } from './bedrock-classifier.js';
import type { TicketClassification, TicketClassifier } from './classifier.js';
import { InvalidTicketError } from './errors.js';
import { LocalTicketClassifier } from './local-model/index.js';

/** What the triage state machine passes to the classify task. */
const ClassifyRequest = Type.Object({
  ticketId: Type.String({ minLength: 1 }),
  subject: Type.String(),
  body: Type.String(),
});
const validateRequest = validatorFor(ClassifyRequest);

// Set by the TicketTriage construct when a Bedrock model is configured.
const bedrockModelId = process.env[APP_ENV.bedrockModelId]?.trim();
const classifier: TicketClassifier = bedrockModelId
  ? new BedrockTicketClassifier(tracer.captureAWSv3Client(new BedrockRuntimeClient({})), bedrockModelId)
  : new LocalTicketClassifier();

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

/** The triage flow's model step: ticket in, queue and confidence out. */
export const handler = async (input: unknown, context: Context): Promise<TicketClassification> => {
  logger.addContext(context);
  const request = validateRequest(input);
  if (!request.ok) throw new InvalidTicketError(`classify input is not a ticket: ${request.errors.join('; ')}`);
  const ticket = request.value;
  // While the circuit is open this throws CircuitOpen at once; the flow catches it and escalates.
  const classification = modelCircuit ? await modelCircuit.call(() => classifier.classify(ticket)) : await classifier.classify(ticket);
  logger.info('ticket classified', { ticketId: request.value.ticketId, ...classification });
  return classification;
};
