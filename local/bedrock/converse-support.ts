import { validationError } from '../endpoint/aws-error.js';
import type { ConverseSupport } from './catalogue.js';
import type { ModelRequest } from './conversation.js';
import { type FoundationModel, isChatModel } from './model-ids.js';

/** What Converse does with a model it takes: refuses a request using a feature the model lacks, with Bedrock's text. */
export interface ConverseCheck {
  readonly support: ConverseSupport;
  check(request: ModelRequest, stream: boolean): void;
}

/**
 * The Converse support of a model (catalogue.ts, from AWS's "Supported models and model
 * features" table); a model Converse does not take (embeddings, images, text-only legacy
 * models) is refused as Bedrock refuses it. Texts: tool use and streaming tool use as Bedrock
 * answers them (quoted in langchain-aws and pi issues); system messages as a recorded mock
 * gives it (unverified against AWS).
 */
export function converseSupportOf(model: FoundationModel): ConverseCheck {
  if (!isChatModel(model) || model.converse === false) {
    throw validationError("This action doesn't support the model that you provided. Try again with a supported text or chat model.");
  }
  const support = model.converse;
  return {
    support,
    check(request, stream) {
      if (request.system.length > 0 && !support.system) {
        throw validationError(
          "This model doesn't support system messages. Try again without a system message or use a model that supports system messages.",
        );
      }
      const usesTools = request.tools.length > 0;
      if (usesTools && !support.tools) throw validationError("This model doesn't support tool use.");
      if (usesTools && stream && !support.streamingTools) throw validationError("This model doesn't support tool use in streaming mode.");
    },
  };
}
