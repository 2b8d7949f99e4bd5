import { AwsError, validationError } from '../aws-error.js';

/** The request and answer bodies a model family speaks in InvokeModel. */
export type ModelFamily = 'anthropic' | 'nova' | 'llama' | 'titan-embed' | 'cohere-embed';

/** A foundation model the local Bedrock answers for. */
export interface FoundationModel {
  readonly id: string;
  readonly family: ModelFamily;
  /** Input tokens the model takes (its context window). */
  readonly contextTokens: number;
  /** Whether the bare model id is invoked on demand; the newer models answer only through an inference profile. */
  readonly onDemand: boolean;
  /** The inference profile prefixes AWS offers for it (`us`, `eu`, `apac`, `global`). */
  readonly profiles: readonly string[];
  /**
   * Whether it takes structured outputs (a JSON schema in `outputConfig` or `output_config`,
   * strict tools), as AWS lists the models that do
   * (https://docs.aws.amazon.com/bedrock/latest/userguide/structured-output.html).
   */
  readonly structuredOutput?: boolean;
}

const REGIONAL = ['us', 'eu', 'apac'];
const WITH_GLOBAL = [...REGIONAL, 'global'];

const model = (id: string, family: ModelFamily, contextTokens: number, onDemand: boolean, profiles: readonly string[] = REGIONAL) => ({
  id,
  family,
  contextTokens,
  onDemand,
  profiles,
});

/** The models served, as AWS names them (https://docs.aws.amazon.com/bedrock/latest/userguide/models-supported.html). */
const FOUNDATION_MODELS: readonly FoundationModel[] = [
  model('anthropic.claude-3-haiku-20240307-v1:0', 'anthropic', 200_000, true),
  model('anthropic.claude-3-5-sonnet-20240620-v1:0', 'anthropic', 200_000, true),
  model('anthropic.claude-3-5-sonnet-20241022-v2:0', 'anthropic', 200_000, false),
  model('anthropic.claude-3-5-haiku-20241022-v1:0', 'anthropic', 200_000, false),
  model('anthropic.claude-3-7-sonnet-20250219-v1:0', 'anthropic', 200_000, false),
  model('anthropic.claude-sonnet-4-20250514-v1:0', 'anthropic', 200_000, false, WITH_GLOBAL),
  model('anthropic.claude-opus-4-20250514-v1:0', 'anthropic', 200_000, false),
  model('anthropic.claude-opus-4-1-20250805-v1:0', 'anthropic', 200_000, false),
  { ...model('anthropic.claude-sonnet-4-5-20250929-v1:0', 'anthropic', 200_000, false, WITH_GLOBAL), structuredOutput: true },
  { ...model('anthropic.claude-haiku-4-5-20251001-v1:0', 'anthropic', 200_000, false, WITH_GLOBAL), structuredOutput: true },
  model('amazon.nova-micro-v1:0', 'nova', 128_000, true),
  model('amazon.nova-lite-v1:0', 'nova', 300_000, true),
  model('amazon.nova-pro-v1:0', 'nova', 300_000, true),
  model('amazon.nova-premier-v1:0', 'nova', 1_000_000, false, ['us']),
  model('meta.llama3-8b-instruct-v1:0', 'llama', 8_000, true, []),
  model('meta.llama3-70b-instruct-v1:0', 'llama', 8_000, true, []),
  model('meta.llama3-1-8b-instruct-v1:0', 'llama', 128_000, true, ['us']),
  model('meta.llama3-1-70b-instruct-v1:0', 'llama', 128_000, true, ['us']),
  model('meta.llama3-3-70b-instruct-v1:0', 'llama', 128_000, false, ['us']),
  model('amazon.titan-embed-text-v1', 'titan-embed', 8_000, true, []),
  model('amazon.titan-embed-text-v2:0', 'titan-embed', 8_000, true, []),
  model('cohere.embed-english-v3', 'cohere-embed', 512, true, []),
  model('cohere.embed-multilingual-v3', 'cohere-embed', 512, true, []),
];

const BY_ID = new Map(FOUNDATION_MODELS.map((m) => [m.id, m]));

/** A model id as a request names it, resolved to the model that answers. */
export interface ResolvedModel {
  readonly model: FoundationModel;
  /** The id, profile id or ARN the caller sent. */
  readonly requested: string;
}

const invalidModel = () => validationError('The provided model identifier is invalid.');

/**
 * Resolves a model id, an inference profile id (`us.`, `eu.`, `apac.`, `global.`) or the ARN
 * of either, as Bedrock does: an unknown id, a profile AWS does not offer for the model or an
 * ARN of another region is "invalid"; a model served only through profiles invoked by its bare
 * id is refused with AWS's on-demand text.
 */
export function resolveModel(requested: string, region: string): ResolvedModel {
  const arn = /^arn:aws(?:-[a-z-]+)?:bedrock:([a-z0-9-]+):(\d{12})?:(foundation-model|inference-profile)\/(.+)$/.exec(requested);
  if (/^arn:/.test(requested) && !arn) {
    if (/:(provisioned-model|custom-model|application-inference-profile|imported-model)\//.test(requested)) {
      throw new AwsError('ResourceNotFoundException', `The model ${requested} does not exist in the local runtime.`, 404);
    }
    throw invalidModel();
  }
  if (arn && arn[1] !== region) throw invalidModel();
  const id = arn ? (arn[4] ?? '') : requested;
  if (arn?.[3] === 'foundation-model' && arn[2]) throw invalidModel();
  const profile = /^(us|eu|apac|global)\.(.+)$/.exec(id);
  if (arn?.[3] === 'inference-profile' && !profile) throw invalidModel();
  const model = BY_ID.get(profile ? (profile[2] ?? '') : id);
  if (!model) throw invalidModel();
  if (profile && !model.profiles.includes(profile[1] ?? '')) throw invalidModel();
  if (!profile && !model.onDemand) {
    throw validationError(
      `Invocation of model ID ${model.id} with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile that contains this model.`,
    );
  }
  return { model, requested };
}

export const isChatModel = (model: FoundationModel) => model.family === 'anthropic' || model.family === 'nova' || model.family === 'llama';
