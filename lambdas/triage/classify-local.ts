/**
 * The classify step with the local model: TicketTriage's entry when no Bedrock model is
 * configured. The model file is read from beside the bundle at cold start; the bundle holds
 * no Bedrock client.
 */
import { createClassifyHandler } from './classify.js';
import { LocalTicketClassifier } from './local-model/index.js';

export const handler = createClassifyHandler(new LocalTicketClassifier());
