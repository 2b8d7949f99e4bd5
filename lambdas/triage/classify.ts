import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { Context } from 'aws-lambda';
import Type from 'typebox';
import { ENV, validatorFor } from '../../contracts/index.js';
import { logger, tracer } from '../kit/observability.js';
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
const bedrockModelId = process.env[ENV.bedrockModelId]?.trim();
const classifier: TicketClassifier = bedrockModelId
  ? new BedrockTicketClassifier(tracer.captureAWSv3Client(new BedrockRuntimeClient({})), bedrockModelId)
  : new LocalTicketClassifier();

/** The triage flow's model step: ticket in, queue and confidence out. */
export const handler = async (input: unknown, context: Context): Promise<TicketClassification> => {
  logger.addContext(context);
  const request = validateRequest(input);
  if (!request.ok) throw new InvalidTicketError(`classify input is not a ticket: ${request.errors.join('; ')}`);
  const classification = await classifier.classify(request.value);
  logger.info('ticket classified', { ticketId: request.value.ticketId, ...classification });
  return classification;
};
