import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { logger, requireEnv, tracer } from 'switchyard-cdk/kit';
import { type AgentModelCallRequest, ENV, type ResearchSubTask } from '../../domain/index.js';
import { APP_ENV } from '../../domain/wiring.js';
import { BedrockResearchModel } from './bedrock-model.js';
import { callModel } from './model-calls.js';
import type { SubTaskAnswer } from './research.js';

const deps = {
  dynamodb: tracer.captureAWSv3Client(new DynamoDBClient({})),
  model: new BedrockResearchModel(tracer.captureAWSv3Client(new BedrockRuntimeClient({}))),
  budgetTable: requireEnv(ENV.modelBudgetTable),
  // Set when the graph gives its models tokens per minute (FlowControlTable.grantUse).
  flowControlTable: process.env[ENV.flowControlTable],
  ledgerTable: requireEnv(APP_ENV.researchLedgerTable),
};

/** One model call of the research fan-out (one function per model; the state machine says which sub-task). */
export async function handler(request: AgentModelCallRequest<ResearchSubTask>): Promise<SubTaskAnswer> {
  const answer = await callModel(deps, request);
  logger.info('model call', { subTask: request.item.id, model: request.model, attempt: request.attempt, tokens: answer.tokens });
  return answer;
}
