/**
 * The foundation models Bedrock Runtime knows, as AWS lists them on CATALOGUE_DATE: the one
 * place the local Bedrock learns a model id, the body its InvokeModel speaks, how it is
 * reached (on demand, inference profiles), its lifecycle and what Converse takes from it.
 *
 * Sources (docs/local-runtime/bedrock.md says more): the Bedrock user guide's model cards,
 * "Supported foundation models", "Inference profiles supported" and each family's "Inference
 * request parameters and response fields" page; ListFoundationModels as mirai73/bedrock-models
 * (MIT-0) recorded it on 2026-08-21 (ids, inference types); aws-cdk-lib 2.276's
 * FoundationModelIdentifier for ids launched since.
 *
 * Lifecycle follows one rule: a model is past its end of life (refused as AWS refuses it)
 * only where an AWS page (the "Model lifecycle" or "Model lifecycle (Legacy)" page, or the
 * model's card) gives an EOL date on or before CATALOGUE_DATE; each such row names its page
 * (`source`). A model reported past its end of life elsewhere, or gone from a list, with no
 * AWS date found, is served as Legacy and marked `eolUnverified` (the docs list them). The
 * catalogue is a dated snapshot, not the runtime's clock: a model whose EOL date passes stays
 * as written here until the catalogue is refreshed (a test run next year answers as this
 * year's does).
 */
export const CATALOGUE_DATE = '2026-11-25';

/**
 * The body a model speaks in InvokeModel (and the local code that reads and answers it):
 * chat families answer text, the others embeddings or images; `none` is a model the local
 * Bedrock knows but does not answer (video, speech, rerank, image editing).
 */
export type Codec =
  | 'anthropic'
  | 'nova'
  | 'llama'
  | 'titan-text'
  | 'mistral'
  | 'cohere-command'
  | 'chat-completions'
  | 'ai21-chat'
  | 'choices-text'
  | 'titan-embed'
  | 'titan-embed-image'
  | 'cohere-embed'
  | 'nova-embed'
  | 'titan-image'
  | 'nova-canvas'
  | 'stability'
  | 'stability-sdxl'
  | 'none';

/** What Converse takes from a model (AWS's "Supported models and model features" table). */
export interface ConverseSupport {
  readonly system: boolean;
  readonly tools: boolean;
  readonly streamingTools: boolean;
}

/** Where a model is in AWS's lifecycle on CATALOGUE_DATE: dates (YYYY-MM-DD) as the AWS page named by `source` gives them. */
export type Lifecycle =
  | { readonly status: 'active' }
  | {
      readonly status: 'legacy';
      /** The EOL date AWS gives, after CATALOGUE_DATE. */
      readonly eol?: string;
      readonly source?: string;
      /** Why the model is thought past its end of life although no AWS page dates it: it is served all the same. */
      readonly eolUnverified?: string;
    }
  | { readonly status: 'eol'; readonly eol: string; readonly source: string };

export interface CatalogueEntry {
  readonly id: string;
  readonly codec: Codec;
  /** Input tokens the model takes (its context window). */
  readonly contextTokens: number;
  /** Whether the bare model id is invoked on demand; the others answer only through an inference profile. */
  readonly onDemand: boolean;
  /** The system-defined inference profile prefixes AWS offers for it (`us`, `eu`, `apac`, `jp`, `au`, `ca`, `global`). */
  readonly profiles: readonly string[];
  readonly lifecycle: Lifecycle;
  /** Converse support, or false where Converse refuses the model (embeddings, images, text-only legacy models). */
  readonly converse: ConverseSupport | false;
  /** Why the local Bedrock cannot answer the model (codec `none`). */
  readonly notServed?: string;
  /**
   * The operation AWS serves the model through when it is not InvokeModel or Converse
   * (StartAsyncInvoke for video, InvokeModelWithBidirectionalStream for speech). StartAsyncInvoke
   * answers the video models (async-invoke.ts); InvokeModelWithBidirectionalStream is not served,
   * so its calls get UnknownOperationException, not the ValidationException InvokeModel and
   * Converse give a model not answered here.
   */
  readonly through?: string;
  /**
   * Whether it takes structured outputs (a JSON schema in Converse's `outputConfig`, Anthropic's
   * `output_config.format` or a chat-completions body's `response_format`; strict tools), as
   * STRUCTURED_OUTPUT's sources list the models that do.
   */
  readonly structuredOutput?: boolean;
}

const ALL: ConverseSupport = { system: true, tools: true, streamingTools: true };
const NO_STREAMING_TOOLS: ConverseSupport = { system: true, tools: true, streamingTools: false };
const SYSTEM_ONLY: ConverseSupport = { system: true, tools: false, streamingTools: false };
const TEXT_ONLY: ConverseSupport = { system: false, tools: false, streamingTools: false };

/** Converse support when a row does not say: by codec, as AWS's table gives it for the family. */
const CONVERSE_BY_CODEC: Readonly<Record<Codec, ConverseSupport | false>> = {
  anthropic: ALL,
  nova: ALL,
  llama: NO_STREAMING_TOOLS,
  'titan-text': TEXT_ONLY,
  mistral: NO_STREAMING_TOOLS,
  'cohere-command': NO_STREAMING_TOOLS,
  'chat-completions': NO_STREAMING_TOOLS,
  'ai21-chat': ALL,
  'choices-text': SYSTEM_ONLY,
  'titan-embed': false,
  'titan-embed-image': false,
  'cohere-embed': false,
  'nova-embed': false,
  'titan-image': false,
  'nova-canvas': false,
  stability: false,
  'stability-sdxl': false,
  none: false,
};

/** An EOL date as an AWS page gives it, and that page. */
interface AwsEol {
  readonly date: string;
  readonly source: string;
}

interface RowOptions {
  /** The model's EOL date on an AWS page: past (on or before CATALOGUE_DATE) it is end-of-life, else Legacy. */
  readonly eol?: AwsEol;
  /** Reported past its end of life with no AWS date found (what says so): served as Legacy. */
  readonly eolUnverified?: string;
  readonly converse?: ConverseSupport | false;
  readonly notServed?: string;
  readonly through?: string;
  readonly structuredOutput?: true;
}

/** The lifecycle a row's options give: the status follows from the AWS date, never written apart from it. */
function lifecycleOf(options: RowOptions): Lifecycle {
  const { eol, eolUnverified } = options;
  if (eol !== undefined) {
    return eol.date <= CATALOGUE_DATE
      ? { status: 'eol', eol: eol.date, source: eol.source }
      : { status: 'legacy', eol: eol.date, source: eol.source };
  }
  return eolUnverified === undefined ? { status: 'active' } : { status: 'legacy', eolUnverified };
}

/** One row: `access` is `od` (on demand by its bare id) and the profile prefixes, space-separated. */
function row(id: string, codec: Codec, contextTokens: number, access: string, options: RowOptions = {}): CatalogueEntry {
  const parts = access.split(' ').filter((part) => part !== '');
  return {
    id,
    codec,
    contextTokens,
    onDemand: parts.includes('od'),
    profiles: parts.filter((part) => part !== 'od'),
    lifecycle: lifecycleOf(options),
    converse: options.converse ?? CONVERSE_BY_CODEC[codec],
    ...(options.notServed ? { notServed: options.notServed } : {}),
    ...(options.through ? { through: options.through } : {}),
    ...(options.structuredOutput ? { structuredOutput: true } : {}),
  };
}

/**
 * The AWS pages lifecycle dates come from (read from stored copies of their markdown): the
 * "Model lifecycle" page's Legacy and EOL table as it stood before AWS split the page on
 * 2026-09-07, the "Model lifecycle (Legacy)" page that lists the models launched before that
 * day since, and model cards. A table listing a model in several Regions with several dates
 * gives its latest here.
 */
const LIFECYCLE = 'https://docs.aws.amazon.com/bedrock/latest/userguide/model-lifecycle.html (table before 2026-09-07)';
const LIFECYCLE_LEGACY = 'https://docs.aws.amazon.com/bedrock/latest/userguide/model-lifecycle-legacy.html';
const card = (slug: string) => `https://docs.aws.amazon.com/bedrock/latest/userguide/model-card-${slug}.html`;
const aws = (date: string, source: string): { eol: AwsEol } => ({ eol: { date, source } });
/** Why a model is thought past its end of life where no AWS page dates it (it is served as Legacy). */
const UNVERIFIED =
  'reported past its end of life by third parties or missing from ListFoundationModels (2026-08-21); no AWS page found that dates it';

/**
 * The models that take structured outputs. AWS's "Get validated JSON results from models" page
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/structured-output.html) and its Claude
 * page name Claude Sonnet 4.5, Haiku 4.5, Opus 4.5 and Opus 4.6; Sonnet 4.6's model card lists it
 * too. The open-weight models are the page's list as an AWS contributor copied it into
 * models.dev's Bedrock data (2026-04-02 and 2026-05-12, citing the page's "Supported models"
 * section), which also took it away from Claude Opus 4.7. Not marked, for want of an AWS source
 * that names them: the later Claude models (AWS's page says support varies by model), MiniMax M2
 * (named in a third-party summary of the launch only), the other Qwen3, Gemma and DeepSeek models.
 */
const STRUCTURED_OUTPUT = { structuredOutput: true } as const;

const MANTLE = 'AWS serves it through the OpenAI-compatible endpoint (bedrock-mantle), not Bedrock Runtime';
const VIDEO = { notServed: 'it makes video, through StartAsyncInvoke', through: 'StartAsyncInvoke' } as const;
const SPEECH = {
  notServed: 'it speaks, through InvokeModelWithBidirectionalStream',
  through: 'InvokeModelWithBidirectionalStream',
} as const;
const RERANK = 'reranking is not simulated';
const EDIT = 'image editing from an input image is not simulated';
const MEDIA_EMBED = 'video and audio embeddings are not simulated';
const JURASSIC = "Jurassic-2's body (prompt, maxTokens, numResults) is not simulated";

const ANTHROPIC: readonly CatalogueEntry[] = [
  row('anthropic.claude-v1', 'anthropic', 100_000, 'od', { eolUnverified: UNVERIFIED, converse: SYSTEM_ONLY }),
  row('anthropic.claude-instant-v1', 'anthropic', 100_000, 'od', { eolUnverified: UNVERIFIED, converse: SYSTEM_ONLY }),
  row('anthropic.claude-v2', 'anthropic', 100_000, 'od', { eolUnverified: UNVERIFIED, converse: SYSTEM_ONLY }),
  row('anthropic.claude-v2:1', 'anthropic', 200_000, 'od', { eolUnverified: UNVERIFIED, converse: SYSTEM_ONLY }),
  row('anthropic.claude-3-sonnet-20240229-v1:0', 'anthropic', 200_000, 'od apac', aws('2026-07-30', LIFECYCLE)),
  row('anthropic.claude-3-opus-20240229-v1:0', 'anthropic', 200_000, 'us', { eolUnverified: UNVERIFIED }),
  row('anthropic.claude-3-haiku-20240307-v1:0', 'anthropic', 200_000, 'od us eu', aws('2026-09-10', LIFECYCLE_LEGACY)),
  // The table gives 2026-06-01 in eu-central-2, 2026-07-30 in the Asia Pacific and GovCloud Regions.
  row('anthropic.claude-3-5-sonnet-20240620-v1:0', 'anthropic', 200_000, 'od us eu apac', aws('2026-07-30', LIFECYCLE)),
  // The table lists the Asia Pacific Regions only (the others had gone from it).
  row('anthropic.claude-3-5-sonnet-20241022-v2:0', 'anthropic', 200_000, 'us apac', aws('2026-07-30', LIFECYCLE)),
  row('anthropic.claude-3-5-haiku-20241022-v1:0', 'anthropic', 200_000, 'us', aws('2026-06-19', LIFECYCLE)),
  // The table lists the GovCloud Regions only (the others had gone from it, past an earlier date).
  row('anthropic.claude-3-7-sonnet-20250219-v1:0', 'anthropic', 200_000, 'us eu apac', aws('2026-07-30', LIFECYCLE)),
  row('anthropic.claude-sonnet-4-20250514-v1:0', 'anthropic', 200_000, 'us eu apac global', aws('2026-10-14', LIFECYCLE_LEGACY)),
  row('anthropic.claude-opus-4-20250514-v1:0', 'anthropic', 200_000, 'us', aws('2026-05-31', LIFECYCLE)),
  row('anthropic.claude-opus-4-1-20250805-v1:0', 'anthropic', 200_000, 'us', aws('2027-01-08', LIFECYCLE_LEGACY)),
  row('anthropic.claude-sonnet-4-5-20250929-v1:0', 'anthropic', 200_000, 'us eu jp au global', {
    ...aws('2027-04-08', LIFECYCLE_LEGACY),
    ...STRUCTURED_OUTPUT,
  }),
  row('anthropic.claude-haiku-4-5-20251001-v1:0', 'anthropic', 200_000, 'us eu jp au global', STRUCTURED_OUTPUT),
  row('anthropic.claude-opus-4-5-20251101-v1:0', 'anthropic', 200_000, 'us eu global', STRUCTURED_OUTPUT),
  row('anthropic.claude-opus-4-6-v1', 'anthropic', 200_000, 'od us eu au global', STRUCTURED_OUTPUT),
  row('anthropic.claude-sonnet-4-6', 'anthropic', 200_000, 'od us eu jp au global', STRUCTURED_OUTPUT),
  row('anthropic.claude-opus-4-7', 'anthropic', 200_000, 'od us eu jp au global'),
  row('anthropic.claude-opus-4-8', 'anthropic', 200_000, 'od us eu jp au global'),
  row('anthropic.claude-opus-5', 'anthropic', 200_000, 'od us eu au global'),
  row('anthropic.claude-sonnet-5', 'anthropic', 200_000, 'od us eu au global'),
  row('anthropic.claude-fable-5', 'anthropic', 200_000, 'od us global'),
  // Launched after the ListFoundationModels record: ids from aws-cdk-lib 2.276, reached on demand and by us./global. profiles.
  row('anthropic.claude-fable-5-1', 'anthropic', 200_000, 'od us global'),
  row('anthropic.claude-mythos-5', 'anthropic', 200_000, 'od us global'),
  row('anthropic.claude-opus-5-5', 'anthropic', 200_000, 'od us global'),
  row('anthropic.claude-sonnet-5-5', 'anthropic', 200_000, 'od us global'),
  row('anthropic.claude-haiku-5-5', 'anthropic', 200_000, 'od us global'),
  row('anthropic.claude-haiku-4-5', 'none', 200_000, 'od', { notServed: MANTLE }),
];

const AMAZON: readonly CatalogueEntry[] = [
  row('amazon.titan-tg1-large', 'titan-text', 8_000, 'od', { eolUnverified: UNVERIFIED }),
  row('amazon.titan-text-lite-v1', 'titan-text', 4_000, 'od', { eolUnverified: UNVERIFIED }),
  row('amazon.titan-text-express-v1', 'titan-text', 8_000, 'od', { eolUnverified: UNVERIFIED }),
  row('amazon.titan-text-premier-v1:0', 'titan-text', 32_000, 'od', { eolUnverified: UNVERIFIED }),
  row('amazon.nova-micro-v1:0', 'nova', 128_000, 'od us eu apac', { converse: ALL }),
  row('amazon.nova-lite-v1:0', 'nova', 300_000, 'od us eu apac ca'),
  row('amazon.nova-pro-v1:0', 'nova', 300_000, 'od us eu apac'),
  row('amazon.nova-premier-v1:0', 'nova', 1_000_000, 'us', aws('2026-09-14', LIFECYCLE)),
  row('amazon.nova-2-lite-v1:0', 'nova', 1_000_000, 'us eu jp global'),
  row('amazon.titan-embed-text-v1', 'titan-embed', 8_000, 'od'),
  row('amazon.titan-embed-g1-text-02', 'titan-embed', 8_000, 'od'),
  row('amazon.titan-embed-text-v2:0', 'titan-embed', 8_000, 'od'),
  row('amazon.titan-embed-image-v1', 'titan-embed-image', 128, 'od'),
  row('amazon.nova-2-multimodal-embeddings-v1:0', 'nova-embed', 8_000, 'od'),
  row('amazon.titan-image-generator-v1', 'titan-image', 512, 'od', { eolUnverified: UNVERIFIED }),
  row('amazon.titan-image-generator-v2:0', 'titan-image', 512, 'od', aws('2026-06-30', card('amazon-titan-image-generator-g1-v2'))),
  row('amazon.nova-canvas-v1:0', 'nova-canvas', 1_024, 'od', aws('2026-09-30', LIFECYCLE_LEGACY)),
  row('amazon.nova-reel-v1:0', 'none', 512, 'od', { ...aws('2026-09-30', LIFECYCLE_LEGACY), ...VIDEO }),
  row('amazon.nova-reel-v1:1', 'none', 512, 'od', { ...aws('2026-09-30', LIFECYCLE_LEGACY), ...VIDEO }),
  row('amazon.nova-sonic-v1:0', 'none', 300_000, 'od', { ...aws('2026-09-14', LIFECYCLE_LEGACY), ...SPEECH }),
  row('amazon.nova-2-sonic-v1:0', 'none', 300_000, 'od', { ...SPEECH }),
  row('amazon.rerank-v1:0', 'none', 32_000, 'od', { notServed: RERANK }),
];

const META: readonly CatalogueEntry[] = [
  row('meta.llama2-13b-chat-v1', 'llama', 4_096, 'od', { eolUnverified: UNVERIFIED, converse: SYSTEM_ONLY }),
  row('meta.llama2-70b-chat-v1', 'llama', 4_096, 'od', { eolUnverified: UNVERIFIED, converse: SYSTEM_ONLY }),
  row('meta.llama3-8b-instruct-v1:0', 'llama', 8_000, 'od', { converse: SYSTEM_ONLY }),
  row('meta.llama3-70b-instruct-v1:0', 'llama', 8_000, 'od', { converse: SYSTEM_ONLY }),
  row('meta.llama3-1-8b-instruct-v1:0', 'llama', 128_000, 'od us'),
  row('meta.llama3-1-70b-instruct-v1:0', 'llama', 128_000, 'od us'),
  row('meta.llama3-1-405b-instruct-v1:0', 'llama', 128_000, 'od us', aws('2026-07-07', LIFECYCLE)),
  row('meta.llama3-2-1b-instruct-v1:0', 'llama', 128_000, 'us eu', aws('2026-07-07', LIFECYCLE)),
  row('meta.llama3-2-3b-instruct-v1:0', 'llama', 128_000, 'us eu', aws('2026-07-07', LIFECYCLE)),
  row('meta.llama3-2-11b-instruct-v1:0', 'llama', 128_000, 'us', aws('2026-07-07', LIFECYCLE)),
  row('meta.llama3-2-90b-instruct-v1:0', 'llama', 128_000, 'us', aws('2026-07-07', LIFECYCLE)),
  row('meta.llama3-3-70b-instruct-v1:0', 'llama', 128_000, 'od us', aws('2027-03-30', card('meta-llama-3-3-70b-instruct'))),
  row('meta.llama4-scout-17b-instruct-v1:0', 'llama', 3_500_000, 'us'),
  row('meta.llama4-maverick-17b-instruct-v1:0', 'llama', 1_000_000, 'us'),
];

const MISTRAL: readonly CatalogueEntry[] = [
  row('mistral.mistral-7b-instruct-v0:2', 'mistral', 32_000, 'od', { converse: TEXT_ONLY }),
  row('mistral.mixtral-8x7b-instruct-v0:1', 'mistral', 32_000, 'od', { converse: TEXT_ONLY }),
  row('mistral.mistral-large-2402-v1:0', 'mistral', 32_000, 'od'),
  row('mistral.mistral-small-2402-v1:0', 'mistral', 32_000, 'od'),
  row('mistral.mistral-large-2407-v1:0', 'mistral', 128_000, 'od'),
  row('mistral.pixtral-large-2502-v1:0', 'mistral', 128_000, 'us eu'),
  row('mistral.mistral-large-3-675b-instruct', 'mistral', 256_000, 'od', STRUCTURED_OUTPUT),
  row('mistral.magistral-small-2509', 'mistral', 128_000, 'od', STRUCTURED_OUTPUT),
  row('mistral.ministral-3-3b-instruct', 'mistral', 128_000, 'od', STRUCTURED_OUTPUT),
  row('mistral.ministral-3-8b-instruct', 'mistral', 128_000, 'od', STRUCTURED_OUTPUT),
  row('mistral.ministral-3-14b-instruct', 'mistral', 128_000, 'od', STRUCTURED_OUTPUT),
  row('mistral.devstral-2-123b', 'mistral', 256_000, 'od', STRUCTURED_OUTPUT),
  row('mistral.voxtral-mini-3b-2507', 'mistral', 32_000, 'od', STRUCTURED_OUTPUT),
  row('mistral.voxtral-small-24b-2507', 'mistral', 32_000, 'od', STRUCTURED_OUTPUT),
];

const COHERE_AI21_DEEPSEEK: readonly CatalogueEntry[] = [
  row('cohere.command-text-v14', 'cohere-command', 4_000, 'od', { eolUnverified: UNVERIFIED, converse: TEXT_ONLY }),
  row('cohere.command-light-text-v14', 'cohere-command', 4_000, 'od', { eolUnverified: UNVERIFIED, converse: TEXT_ONLY }),
  row('cohere.command-r-v1:0', 'cohere-command', 128_000, 'od', aws('2026-08-19', LIFECYCLE_LEGACY)),
  row('cohere.command-r-plus-v1:0', 'cohere-command', 128_000, 'od', aws('2026-08-19', LIFECYCLE_LEGACY)),
  row('cohere.embed-english-v3', 'cohere-embed', 512, 'od'),
  row('cohere.embed-multilingual-v3', 'cohere-embed', 512, 'od'),
  row('cohere.embed-v4:0', 'cohere-embed', 128_000, 'od us eu global'),
  row('cohere.rerank-v3-5:0', 'none', 4_000, 'od', { notServed: RERANK }),
  row('ai21.j2-mid-v1', 'none', 8_191, 'od', { eolUnverified: UNVERIFIED, notServed: JURASSIC }),
  row('ai21.j2-ultra-v1', 'none', 8_191, 'od', { eolUnverified: UNVERIFIED, notServed: JURASSIC }),
  row('ai21.jamba-instruct-v1:0', 'ai21-chat', 256_000, 'od', { eolUnverified: UNVERIFIED, converse: SYSTEM_ONLY }),
  row('ai21.jamba-1-5-mini-v1:0', 'ai21-chat', 256_000, 'od', aws('2026-11-26', LIFECYCLE_LEGACY)),
  row('ai21.jamba-1-5-large-v1:0', 'ai21-chat', 256_000, 'od', aws('2026-11-26', LIFECYCLE_LEGACY)),
  row('deepseek.r1-v1:0', 'choices-text', 128_000, 'us'),
  row('deepseek.v3-v1:0', 'choices-text', 163_840, 'od', { converse: NO_STREAMING_TOOLS, ...STRUCTURED_OUTPUT }),
  row('deepseek.v3.2', 'chat-completions', 163_840, 'od', STRUCTURED_OUTPUT),
  row('deepseek.v3.1', 'none', 163_840, 'od', { notServed: MANTLE }),
];

/** Models whose InvokeModel body is OpenAI's chat completions (Bedrock's page for each sends to it). */
const CHAT_COMPLETIONS: readonly CatalogueEntry[] = [
  row('openai.gpt-oss-20b-1:0', 'chat-completions', 128_000, 'od', STRUCTURED_OUTPUT),
  row('openai.gpt-oss-120b-1:0', 'chat-completions', 128_000, 'od', STRUCTURED_OUTPUT),
  row('openai.gpt-oss-safeguard-20b', 'chat-completions', 128_000, 'od', STRUCTURED_OUTPUT),
  row('openai.gpt-oss-safeguard-120b', 'chat-completions', 128_000, 'od', STRUCTURED_OUTPUT),
  row('openai.gpt-5.6-luna', 'chat-completions', 400_000, 'od us global'),
  row('openai.gpt-5.6-sol', 'chat-completions', 400_000, 'od us global'),
  row('openai.gpt-5.6-terra', 'chat-completions', 400_000, 'od us global'),
  // Launched after the ListFoundationModels record: ids from aws-cdk-lib 2.276, reached on demand and by us./global. profiles.
  row('openai.gpt-5.6-cyber', 'chat-completions', 400_000, 'od us global'),
  row('openai.gpt-daybreak-blue-5.6-sol', 'chat-completions', 400_000, 'od us global'),
  row('openai.gpt-6-astra', 'chat-completions', 400_000, 'od us global'),
  row('openai.gpt-6-luna', 'chat-completions', 400_000, 'od us global'),
  row('openai.gpt-6-sol', 'chat-completions', 400_000, 'od us global'),
  row('openai.gpt-6.1-sol', 'chat-completions', 400_000, 'od us global'),
  row('qwen.qwen3-32b-v1:0', 'chat-completions', 128_000, 'od', STRUCTURED_OUTPUT),
  row('qwen.qwen3-235b-a22b-2507-v1:0', 'chat-completions', 256_000, 'od', STRUCTURED_OUTPUT),
  row('qwen.qwen3-coder-30b-a3b-v1:0', 'chat-completions', 256_000, 'od', STRUCTURED_OUTPUT),
  row('qwen.qwen3-coder-480b-a35b-v1:0', 'chat-completions', 256_000, 'od', STRUCTURED_OUTPUT),
  row('qwen.qwen3-coder-next', 'chat-completions', 256_000, 'od'),
  row('qwen.qwen3-next-80b-a3b', 'chat-completions', 256_000, 'od'),
  row('qwen.qwen3-vl-235b-a22b', 'chat-completions', 256_000, 'od'),
  row('google.gemma-3-4b-it', 'chat-completions', 128_000, 'od'),
  row('google.gemma-3-12b-it', 'chat-completions', 128_000, 'od', STRUCTURED_OUTPUT),
  row('google.gemma-3-27b-it', 'chat-completions', 128_000, 'od', STRUCTURED_OUTPUT),
  row('minimax.minimax-m2', 'chat-completions', 196_000, 'od'),
  row('minimax.minimax-m2.1', 'chat-completions', 196_000, 'od'),
  row('minimax.minimax-m2.5', 'chat-completions', 196_000, 'od'),
  row('moonshot.kimi-k2-thinking', 'chat-completions', 256_000, 'od', STRUCTURED_OUTPUT),
  row('moonshotai.kimi-k2.5', 'chat-completions', 256_000, 'od', STRUCTURED_OUTPUT),
  row('nvidia.nemotron-nano-9b-v2', 'chat-completions', 128_000, 'od', STRUCTURED_OUTPUT),
  row('nvidia.nemotron-nano-12b-v2', 'chat-completions', 128_000, 'od', STRUCTURED_OUTPUT),
  row('nvidia.nemotron-nano-3-30b', 'chat-completions', 256_000, 'od', STRUCTURED_OUTPUT),
  row('nvidia.nemotron-super-3-120b', 'chat-completions', 256_000, 'od', STRUCTURED_OUTPUT),
  row('zai.glm-4.7', 'chat-completions', 200_000, 'od', STRUCTURED_OUTPUT),
  row('zai.glm-4.7-flash', 'chat-completions', 200_000, 'od', STRUCTURED_OUTPUT),
  row('zai.glm-5', 'chat-completions', 200_000, 'od', STRUCTURED_OUTPUT),
  row('xai.grok-4.6', 'chat-completions', 256_000, 'od us global'),
  row('writer.palmyra-x4-v1:0', 'choices-text', 128_000, 'us', { converse: NO_STREAMING_TOOLS }),
  row('writer.palmyra-x5-v1:0', 'choices-text', 1_000_000, 'us', { converse: NO_STREAMING_TOOLS }),
  row('writer.palmyra-vision-7b', 'chat-completions', 128_000, 'od'),
];

const MANTLE_ONLY = [
  'openai.gpt-5.4',
  'openai.gpt-5.4-2026-03-05',
  'openai.gpt-5.5',
  'openai.gpt-5.5-2026-04-23',
  'openai.gpt-oss-20b',
  'openai.gpt-oss-120b',
  'qwen.qwen3-32b',
  'qwen.qwen3-235b-a22b-2507',
  'qwen.qwen3-coder-30b-a3b-instruct',
  'qwen.qwen3-coder-480b-a35b-instruct',
  'qwen.qwen3-next-80b-a3b-instruct',
  'qwen.qwen3-vl-235b-a22b-instruct',
  'google.gemma-4-26b-a4b',
  'google.gemma-4-31b',
  'google.gemma-4-e2b',
  'moonshotai.kimi-k2-thinking',
  'xai.grok-4.3',
  'zai.glm-4.6',
];

const IMAGES_AND_MEDIA: readonly CatalogueEntry[] = [
  // SDXL 0.8 and 1.0: gone from ListFoundationModels before the 2026-08-21 record, with no AWS
  // page found that dates their end of life. `-v1:0` is the versioned id AWS listed beside `-v1`
  // (apps invoke either on demand).
  row('stability.stable-diffusion-xl-v0', 'stability-sdxl', 77, 'od', { eolUnverified: UNVERIFIED }),
  row('stability.stable-diffusion-xl-v1', 'stability-sdxl', 77, 'od', { eolUnverified: UNVERIFIED }),
  row('stability.stable-diffusion-xl-v1:0', 'stability-sdxl', 77, 'od', { eolUnverified: UNVERIFIED }),
  row('stability.sd3-large-v1:0', 'stability', 77, 'od', { eolUnverified: UNVERIFIED }),
  row('stability.stable-image-core-v1:0', 'stability', 77, 'od', { eolUnverified: UNVERIFIED }),
  row('stability.stable-image-ultra-v1:0', 'stability', 77, 'od', { eolUnverified: UNVERIFIED }),
  row('stability.sd3-5-large-v1:0', 'stability', 77, 'od'),
  row('stability.stable-image-core-v1:1', 'stability', 77, 'od'),
  row('stability.stable-image-ultra-v1:1', 'stability', 77, 'od'),
  ...[
    'stability.stable-conservative-upscale-v1:0',
    'stability.stable-creative-upscale-v1:0',
    'stability.stable-fast-upscale-v1:0',
    'stability.stable-image-control-sketch-v1:0',
    'stability.stable-image-control-structure-v1:0',
    'stability.stable-image-erase-object-v1:0',
    'stability.stable-image-inpaint-v1:0',
    'stability.stable-image-remove-background-v1:0',
    'stability.stable-image-search-recolor-v1:0',
    'stability.stable-image-search-replace-v1:0',
    'stability.stable-image-style-guide-v1:0',
    'stability.stable-outpaint-v1:0',
    'stability.stable-style-transfer-v1:0',
  ].map((id) => row(id, 'none', 77, 'us', { notServed: EDIT })),
  row('luma.ray-v2:0', 'none', 512, 'od', { ...VIDEO }),
  row('twelvelabs.marengo-embed-2-7-v1:0', 'none', 512, 'us eu apac', { ...aws('2026-11-30', LIFECYCLE_LEGACY), notServed: MEDIA_EMBED }),
  row('twelvelabs.marengo-embed-3-0-v1:0', 'none', 512, 'od us eu', { notServed: MEDIA_EMBED }),
  row('twelvelabs.pegasus-1-2-v1:0', 'none', 512, 'od us eu apac global', { notServed: 'video understanding is not simulated' }),
];

/** Every model the catalogue names, by id. */
export const CATALOGUE: readonly CatalogueEntry[] = [
  ...ANTHROPIC,
  ...AMAZON,
  ...META,
  ...MISTRAL,
  ...COHERE_AI21_DEEPSEEK,
  ...CHAT_COMPLETIONS,
  ...MANTLE_ONLY.map((id) => row(id, 'none', 128_000, 'od', { notServed: MANTLE })),
  ...IMAGES_AND_MEDIA,
];
