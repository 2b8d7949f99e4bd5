/**
 * The classify step on Bedrock: TicketTriage's entry when a Bedrock model is configured (it
 * sets the model id in APP_ENV.bedrockModelId). The bundle holds neither the local model nor
 * its code.
 */
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { requireEnv, tracer } from 'switchyard-cdk/kit';
import { APP_ENV } from '../../domain/wiring.js';
import { BedrockTicketClassifier } from './bedrock-classifier.js';
import { createClassifyHandler } from './classify.js';

export const handler = createClassifyHandler(
  new BedrockTicketClassifier(tracer.captureAWSv3Client(new BedrockRuntimeClient({})), requireEnv(APP_ENV.bedrockModelId).trim()),
);
