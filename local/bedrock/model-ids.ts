import { AwsError, validationError } from '../endpoint/aws-error.js';
import { CATALOGUE, type CatalogueEntry, type Codec } from './catalogue.js';

/** A foundation model the local Bedrock knows: a catalogue entry (catalogue.ts). */
export type FoundationModel = CatalogueEntry;

/** What a model's InvokeModel answers: text (a chat codec), embeddings, images, or nothing here. */
export type ModelKind = 'chat' | 'embedding' | 'image' | 'none';

const KINDS: Readonly<Record<Codec, ModelKind>> = {
  anthropic: 'chat',
  nova: 'chat',
  llama: 'chat',
  'titan-text': 'chat',
  mistral: 'chat',
  'cohere-command': 'chat',
  'chat-completions': 'chat',
  'ai21-chat': 'chat',
  'choices-text': 'chat',
  'titan-embed': 'embedding',
  'titan-embed-image': 'embedding',
  'cohere-embed': 'embedding',
  'nova-embed': 'embedding',
  'titan-image': 'image',
  'nova-canvas': 'image',
  stability: 'image',
  'stability-sdxl': 'image',
  none: 'none',
};

export const kindOf = (model: FoundationModel): ModelKind => KINDS[model.codec];
export const isChatModel = (model: FoundationModel) => kindOf(model) === 'chat';

const BY_ID = new Map(CATALOGUE.map((m) => [m.id, m]));

/** The system-defined inference profiles' prefixes (iam-authorizations.ts reads the same ones). */
const PROFILE = /^(us|us-gov|eu|apac|jp|au|ca|global)\.(.+)$/;

/** A model id as a request names it, resolved to the model that answers. */
export interface ResolvedModel {
  readonly model: FoundationModel;
  /** The id, profile id or ARN the caller sent. */
  readonly requested: string;
}

const invalidModel = () => validationError('The provided model identifier is invalid.');

/**
 * The Regions a geographic inference profile is called from (its source Regions): a profile is
 * defined in its geography's Regions only, so Bedrock elsewhere does not know its id (an app's
 * `eu.` profile called from us-east-1). Families of Regions named here only; a Region of
 * another family (sa-, me-, il-, ...) is never refused for its profile. `global.` is in every Region.
 */
const GEOGRAPHIES: readonly { readonly family: RegExp; readonly profiles: readonly string[] }[] = [
  { family: /^us-gov-/, profiles: ['us-gov'] },
  { family: /^us-/, profiles: ['us'] },
  // Canada's Regions are among some US profiles' source Regions.
  { family: /^ca-/, profiles: ['ca', 'us'] },
  { family: /^eu-/, profiles: ['eu'] },
  { family: /^ap-northeast-[13]$/, profiles: ['apac', 'jp'] },
  { family: /^ap-southeast-[24]$/, profiles: ['apac', 'au'] },
  { family: /^ap-/, profiles: ['apac'] },
];

/** Whether Bedrock in `region` (or in one of `stackRegions`, where the app deploys) knows the system-defined profile of this prefix. */
export function profileInRegion(prefix: string, region: string, stackRegions: readonly string[] = []): boolean {
  if (prefix === 'global') return true;
  return [region, ...stackRegions].some((r) => {
    const geography = GEOGRAPHIES.find((g) => g.family.test(r));
    return geography === undefined || geography.profiles.includes(prefix);
  });
}

/**
 * Resolves a model id, an inference profile id (`us.`, `eu.`, `apac.`, `jp.`, `au.`, `ca.`,
 * `global.`) or the ARN of either, as Bedrock does: an id the catalogue does not know, a
 * profile AWS does not offer for the model or of another geography than `region`'s (and than
 * `stackRegions'`, those the app's stacks name), or an ARN
 * of another region is "invalid"; a model
 * served only through profiles invoked by its bare id is refused with AWS's on-demand text.
 * A model past its end of life resolves: `checkServed` refuses it.
 */
export function resolveModel(requested: string, region: string, stackRegions: readonly string[] = []): ResolvedModel {
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
  const profile = PROFILE.exec(id);
  if (arn?.[3] === 'inference-profile' && !profile) throw invalidModel();
  const model = BY_ID.get(profile ? (profile[2] ?? '') : id);
  if (!model) throw invalidModel();
  if (profile && !model.profiles.includes(profile[1] ?? '')) throw invalidModel();
  if (profile && !profileInRegion(profile[1] ?? '', region, stackRegions)) throw invalidModel();
  if (!profile && !model.onDemand) {
    throw validationError(
      `Invocation of model ID ${model.id} with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile that contains this model.`,
    );
  }
  return { model, requested };
}

/** AWS's answer to a model past its end of life (ResourceNotFoundException, as recorded from Bedrock Runtime). */
export const END_OF_LIFE = 'This model version has reached the end of its life. Please refer to the AWS documentation for more details.';

/**
 * Refuses what the local Bedrock will not answer for a resolved model: one past its end of
 * life with AWS's ResourceNotFoundException (unless its route serves models past their end
 * of life: `eol=serve`), one it knows but cannot answer (video, speech, ...) with a
 * ValidationException that says so, never calling the id invalid; `through` names the
 * operation asking (StartAsyncInvoke), which answers the models AWS serves through it.
 */
export function checkServed(model: FoundationModel, serveEndOfLife: boolean, through?: 'StartAsyncInvoke'): void {
  if (model.lifecycle.status === 'eol' && !serveEndOfLife) throw new AwsError('ResourceNotFoundException', END_OF_LIFE, 404);
  // A video model is answered through StartAsyncInvoke (async-invoke.ts), which asks for it by that name.
  if (model.notServed !== undefined && (through === undefined || model.through !== through)) {
    throw validationError(`The model ${model.id} is one Bedrock serves, but the local Bedrock does not answer it: ${model.notServed}.`);
  }
}
