import { randomUUID } from 'node:crypto';
import { validationError } from '../../endpoint/aws-error.js';
import type { ModelOperations } from '../../endpoint/model-protocols/operations.js';
import { ModelRestJsonProtocol } from '../../endpoint/model-protocols/rest-json-codec.js';
import { loadModel } from '../../endpoint/validation/model.js';
import { modelValidator } from '../../endpoint/validation/validator.js';
import { operationTable } from '../../service-registry/operation-table.js';
import type { BedrockService } from '../bedrock-service.js';
import { generate } from './generation.js';
import type { KnowledgeBaseService } from './knowledge-base-service.js';
import type { Match, RetrievalFilter } from './vector-index.js';

/** Bedrock Agent Runtime's REST-JSON protocol (its model's routes) for Retrieve and RetrieveAndGenerate. */
export function bedrockAgentRuntimeProtocol(api: KnowledgeBaseRuntimeApi): ModelRestJsonProtocol {
  return new ModelRestJsonProtocol(
    loadModel('bedrock-agent-runtime'),
    operationTable(api, KnowledgeBaseRuntimeApi) as ModelOperations,
    { serviceName: 'Bedrock Agent Runtime', validate: modelValidator('bedrock-agent-runtime') },
    { paths: /^\/(knowledgebases\/[^/]+\/retrieve|retrieveAndGenerate|retrieveAndGenerateStream)\/?$/ },
  );
}

interface VectorSearch {
  readonly numberOfResults?: number;
  readonly filter?: RetrievalFilter;
}

/** Bedrock's default number of results. */
const DEFAULT_RESULTS = 5;

/** A retrieved chunk as Retrieve (and a citation's reference) answers it; the score is cosine similarity mapped to [0, 1], as OpenSearch's. */
const resultOf = (match: Match, withScore: boolean) => ({
  content: { text: match.content, type: 'TEXT' },
  location: { type: 'S3', s3Location: { uri: match.sourceUri } },
  metadata: match.metadata,
  ...(withScore ? { score: (1 + match.score) / 2 } : {}),
});

function queryText(text: string | undefined, member: string): string {
  if (text === undefined || text.trim() === '') throw validationError(`${member} must contain text: the query cannot be empty.`);
  return text;
}

/**
 * Bedrock Agent Runtime's knowledge base operations: Retrieve (the chunks closest to the
 * query, with their source and metadata) and RetrieveAndGenerate (retrieve, then generate
 * through the local Bedrock's backend for the model, citing the chunks each part comes from).
 */
export class KnowledgeBaseRuntimeApi {
  constructor(
    private readonly service: KnowledgeBaseService,
    private readonly bedrock: BedrockService,
  ) {}

  async Retrieve(input: {
    knowledgeBaseId: string;
    retrievalQuery?: { text?: string };
    retrievalConfiguration?: { vectorSearchConfiguration?: VectorSearch };
  }) {
    const text = queryText(input.retrievalQuery?.text, 'retrievalQuery.text');
    const search = input.retrievalConfiguration?.vectorSearchConfiguration ?? {};
    const matches = await this.service.retrieve(input.knowledgeBaseId, text, search.numberOfResults ?? DEFAULT_RESULTS, search.filter);
    return { retrievalResults: matches.map((match) => resultOf(match, true)) };
  }

  async RetrieveAndGenerate(input: {
    input?: { text?: string };
    sessionId?: string;
    retrieveAndGenerateConfiguration?: {
      type?: string;
      knowledgeBaseConfiguration?: {
        knowledgeBaseId: string;
        modelArn: string;
        retrievalConfiguration?: { vectorSearchConfiguration?: VectorSearch };
        generationConfiguration?: {
          promptTemplate?: { textPromptTemplate?: string };
          inferenceConfig?: { textInferenceConfig?: Record<string, unknown> };
        };
      };
    };
  }) {
    const text = queryText(input.input?.text, 'input.text');
    const configuration = input.retrieveAndGenerateConfiguration;
    const kb = configuration?.knowledgeBaseConfiguration;
    if (configuration?.type !== 'KNOWLEDGE_BASE' || kb === undefined) {
      throw validationError(
        `The local runtime answers RetrieveAndGenerate of type KNOWLEDGE_BASE with its knowledgeBaseConfiguration; ${configuration?.type ?? 'no type'} is not served.`,
      );
    }
    const search = kb.retrievalConfiguration?.vectorSearchConfiguration ?? {};
    const matches = await this.service.retrieve(kb.knowledgeBaseId, text, search.numberOfResults ?? DEFAULT_RESULTS, search.filter);
    const template = kb.generationConfiguration?.promptTemplate?.textPromptTemplate;
    const inference = kb.generationConfiguration?.inferenceConfig?.textInferenceConfig;
    const answer = await generate(this.bedrock, {
      modelArn: kb.modelArn,
      query: text,
      matches,
      ...(template === undefined ? {} : { template }),
      ...(inference === undefined ? {} : { inference }),
    });
    return {
      sessionId: input.sessionId ?? randomUUID(),
      output: { text: answer.text },
      citations: answer.citations.map((citation) => ({
        generatedResponsePart: citation.generatedResponsePart,
        retrievedReferences: citation.retrievedReferences.map((match) => resultOf(match, false)),
      })),
    };
  }
}
