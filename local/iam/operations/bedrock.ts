import type { OperationContext, OperationTable } from './shared.js';
import { on, text } from './shared.js';

/**
 * The ARN a model id names: an ARN as given; a cross-region inference profile id (`us.`,
 * `eu.`, `apac.`, `global.` ...) the account's profile; else the region's foundation model.
 */
export function modelArnOf(input: Record<string, unknown>, context: OperationContext): string {
  const id = decodeURIComponent(text(input.modelId) ?? text(input.ModelId) ?? '*');
  if (id.startsWith('arn:')) return id;
  if (/^(us|eu|apac|ap|ca|jp|au|us-gov|global)\.[a-z0-9-]+\./.test(id))
    return `arn:aws:bedrock:${context.region}:${context.accountId}:inference-profile/${id}`;
  return `arn:aws:bedrock:${context.region}::foundation-model/${id}`;
}

/** Bedrock Runtime: Converse is bedrock:InvokeModel, ConverseStream bedrock:InvokeModelWithResponseStream, on the model. */
export const bedrockOperations: OperationTable = {
  Converse: (input, context) => [on('bedrock:InvokeModel', modelArnOf(input, context))],
  InvokeModel: (input, context) => [on('bedrock:InvokeModel', modelArnOf(input, context))],
  ConverseStream: (input, context) => [on('bedrock:InvokeModelWithResponseStream', modelArnOf(input, context))],
  InvokeModelWithResponseStream: (input, context) => [on('bedrock:InvokeModelWithResponseStream', modelArnOf(input, context))],
  CountTokens: (input, context) => [on('bedrock:CountTokens', modelArnOf(input, context))],
};
