import {
  ANY,
  arnOf,
  type Input,
  member,
  type OperationAuthorization,
  type OperationContext,
  type OperationTable,
  on,
  passingRole,
  serviceIam,
  text,
} from '../iam/authorizations.js';
import { knowledgeBaseIam } from './knowledge-bases/iam-authorizations.js';

/** The system-defined inference profiles' prefixes (model-ids.ts resolves the same ones). */
const PROFILE = /^(us|us-gov|eu|apac|jp|au|ca|global)\.(.+)$/;

/**
 * What invoking a model id is authorized on: a foundation model's ARN (no account:
 * `arn:aws:bedrock:<region>::foundation-model/<id>`), an inference profile's
 * (`arn:aws:bedrock:<region>:<account>:inference-profile/<id>`) and then the foundation
 * model it routes to, with `bedrock:InferenceProfileArn` (AWS checks both); an ARN as given.
 */
function modelAuthorizations(action: string, modelId: string | undefined, context: OperationContext): OperationAuthorization[] {
  const id = modelId ?? '*';
  const foundation = (model: string) => `arn:aws:bedrock:${context.region}::foundation-model/${model}`;
  if (id.startsWith('arn:')) {
    const profile = /^arn:aws[\w-]*:bedrock:[^:]*:\d{12}:inference-profile\/(.+)$/.exec(id);
    const model = profile?.[1] ? PROFILE.exec(profile[1])?.[2] : undefined;
    return model ? [on(action, id), on(action, foundation(model), { 'bedrock:InferenceProfileArn': id })] : [on(action, id)];
  }
  const profile = PROFILE.exec(id);
  if (!profile?.[2]) return [on(action, foundation(id))];
  const profileArn = `arn:aws:bedrock:${context.region}:${context.accountId}:inference-profile/${id}`;
  return [on(action, profileArn), on(action, foundation(profile[2]), { 'bedrock:InferenceProfileArn': profileArn })];
}

/** The model id as the API (`modelId`) or a caller in PascalCase (`ModelId`) names it; a path label may be percent-encoded. */
function modelIdOf(input: Input): string | undefined {
  const id = member(input, 'modelId');
  if (id === undefined) return undefined;
  try {
    return decodeURIComponent(id);
  } catch {
    return text(id);
  }
}

const invoking =
  (action: string) =>
  (input: Input, context: OperationContext): OperationAuthorization[] =>
    modelAuthorizations(action, modelIdOf(input), context);

/**
 * A call of the OpenAI-compatible APIs (openai-compatible-api.ts): the model call as InvokeModel's,
 * streamed as InvokeModelWithResponseStream's (the actions Converse is authorized by); made with a
 * Bedrock API key, first bedrock:CallWithBearerToken with `bedrock:bearerTokenType` (SHORT_TERM,
 * LONG_TERM), which AWS checks on every call with a key
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys-permissions.html).
 */
const openAiCall = (input: Input, context: OperationContext): OperationAuthorization[] => {
  const bearer = text(input.bearerTokenType);
  const action = input.stream === true ? 'bedrock:InvokeModelWithResponseStream' : 'bedrock:InvokeModel';
  return [
    ...(bearer ? [on('bedrock:CallWithBearerToken', '*', { 'bedrock:bearerTokenType': bearer })] : []),
    ...modelAuthorizations(action, modelIdOf(input), context),
  ];
};

/** A batch job's ARN from its identifier (the ARN, or the job id). */
const batchJob = (input: Input, context: OperationContext): string => {
  const identifier = member(input, 'jobIdentifier') ?? '*';
  return identifier.startsWith('arn:') ? identifier : arnOf('bedrock', context, `model-invocation-job/${identifier}`);
};

/**
 * Bedrock Data Automation's runtime (served by local/ai-services/data-automation.ts under
 * this prefix): InvokeDataAutomationAsync on its profile, its project and its blueprints, as
 * the Service Authorization Reference lists them; GetDataAutomationStatus on the invocation.
 */
const dataAutomationIam: OperationTable = {
  InvokeDataAutomationAsync: (input) => {
    const project = (input.dataAutomationConfiguration as Input | undefined)?.dataAutomationProjectArn;
    const blueprints = ((input.blueprints as Input[] | undefined) ?? []).map((b) => text(b.blueprintArn));
    return [text(input.dataAutomationProfileArn) ?? '*', text(project), ...blueprints]
      .filter((arn): arn is string => arn !== undefined)
      .map((arn) => on('bedrock:InvokeDataAutomationAsync', arn));
  },
  GetDataAutomationStatus: (input) => [on('bedrock:GetDataAutomationStatus', text(input.invocationArn) ?? '*')],
};

/**
 * How IAM authorizes Bedrock's requests (its module declares it): Converse is
 * bedrock:InvokeModel, ConverseStream bedrock:InvokeModelWithResponseStream (the Converse API
 * has no actions of its own); CountTokens is bedrock:CountTokens. StartAsyncInvoke is
 * bedrock:InvokeModel on the model, as its API reference says (the video is then written to
 * S3 as the caller: s3:PutObject, evaluated when it is written); GetAsyncInvoke and
 * ListAsyncInvokes have actions of their own. CreateModelInvocationJob passes its role
 * (iam:PassRole), which reads and writes S3 for the job. The OpenAI-compatible Chat Completions and
 * Responses (CreateChatCompletion, CreateResponse) are openAiCall's.
 */
export const bedrockIam = serviceIam('bedrock', {
  accessDenied: { code: 'AccessDeniedException', status: 403 },
  operations: {
    InvokeModel: invoking('bedrock:InvokeModel'),
    Converse: invoking('bedrock:InvokeModel'),
    InvokeModelWithResponseStream: invoking('bedrock:InvokeModelWithResponseStream'),
    ConverseStream: invoking('bedrock:InvokeModelWithResponseStream'),
    CountTokens: invoking('bedrock:CountTokens'),
    StartAsyncInvoke: invoking('bedrock:InvokeModel'),
    CreateChatCompletion: openAiCall,
    CreateResponse: openAiCall,
    GetAsyncInvoke: (input) => [on('bedrock:GetAsyncInvoke', member(input, 'invocationArn') ?? '*')],
    ListAsyncInvokes: (input, context) => [on('bedrock:ListAsyncInvokes', ANY(input, context))],
    CreateModelInvocationJob: passingRole(
      'bedrock',
      'CreateModelInvocationJob',
      (_input, context) => arnOf('bedrock', context, 'model-invocation-job/*'),
      (input) => member(input, 'roleArn'),
    ),
    GetModelInvocationJob: (input, context) => [on('bedrock:GetModelInvocationJob', batchJob(input, context))],
    ListModelInvocationJobs: (input, context) => [on('bedrock:ListModelInvocationJobs', ANY(input, context))],
    StopModelInvocationJob: (input, context) => [on('bedrock:StopModelInvocationJob', batchJob(input, context))],
    ...knowledgeBaseIam(invoking),
    ...dataAutomationIam,
  },
});
