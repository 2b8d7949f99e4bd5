import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Arn, ArnFormat, Aws, Stack } from 'aws-cdk-lib/core';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { ENV } from '../../contracts/wiring.js';

/**
 * The regions each geography of Bedrock's system-defined cross-region inference profiles
 * routes to (the profile id's prefix: `us.`, `eu.` ...), from CDK's region table. A request
 * needs bedrock:InvokeModel on the foundation model in every destination region.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/geographic-cross-region-inference.html
 */
const GEOGRAPHIES: Readonly<Record<string, (region: string, partition: string) => boolean>> = {
  us: (r, p) => p === 'aws' && r.startsWith('us-'),
  eu: (r, p) => p === 'aws' && r.startsWith('eu-'),
  apac: (r, p) => p === 'aws' && (r.startsWith('ap-') || r.startsWith('me-')),
  jp: (r) => r === 'ap-northeast-1' || r === 'ap-northeast-3',
  au: (r) => r === 'ap-southeast-2' || r === 'ap-southeast-4',
  ca: (r, p) => p === 'aws' && r.startsWith('ca-'),
  'us-gov': (_r, p) => p === 'aws-us-gov',
};

const MODEL_ID = /^(?:([a-z-]+)\.)?([a-z0-9-]+\.[A-Za-z0-9.:_-]+)$/;
const ARN = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:\d{0,12}:[a-z-]+\/.+$/;

/** What grantInvoke grants besides bedrock:InvokeModel. */
export interface BedrockModelGrantOptions {
  /**
   * Also bedrock:InvokeModelWithResponseStream, which ConverseStream and
   * InvokeModelWithResponseStream need.
   * @default false
   */
  readonly streaming?: boolean;
}

/** How `connect` hands the model to a function. */
export interface BedrockModelConnectOptions extends BedrockModelGrantOptions {
  /** The environment variable that holds the model id. @default ENV.modelId ('SWITCHYARD_MODEL_ID') */
  readonly environmentVariable?: string;
}

/**
 * A Bedrock model a function calls, by its model id, a cross-region inference profile id or
 * an ARN, with the grants it needs and nothing more: bedrock:InvokeModel (and, if asked, the
 * streaming action) on the foundation model; for a geographic profile (`us.`, `eu.`, `apac.`,
 * `jp.`, `au.`, `ca.`, `us-gov.`) on the profile in the stack's region and on the model in
 * every region the geography routes to; for a `global.` profile on the model in any region
 * (AWS routes those anywhere, so that grant has a wildcard region the AwsSolutions checks
 * report). No resources: a model is not deployed by the app.
 */
export class BedrockModel {
  /** A model id (`anthropic.claude-sonnet-4-5-20250929-v1:0`), a profile id (`us.anthropic...`) or a model or profile ARN. */
  static fromModelId(modelId: string): BedrockModel {
    return new BedrockModel(modelId);
  }

  /** What the function sends as Converse's or InvokeModel's `modelId`. */
  readonly modelId: string;
  /** The foundation model behind it (the id without a profile's prefix); undefined for an ARN. */
  readonly foundationModelId?: string;
  /** The profile's geography (`us`, `eu`, `global` ...); undefined for a model. */
  readonly geography?: string;

  private constructor(modelId: string) {
    this.modelId = modelId;
    if (ARN.test(modelId)) return;
    const match = MODEL_ID.exec(modelId);
    const prefix = match?.[1];
    if (match === null || (prefix !== undefined && prefix !== 'global' && GEOGRAPHIES[prefix] === undefined)) {
      throw new TypeError(
        `BedrockModel: "${modelId}" is not a Bedrock model id (provider.model, like anthropic.claude-sonnet-4-5-20250929-v1:0), ` +
          `an inference profile id (${[...Object.keys(GEOGRAPHIES), 'global'].map((g) => `${g}.`).join(', ')} then a model id) or a Bedrock ARN`,
      );
    }
    this.foundationModelId = match[2];
    this.geography = prefix;
  }

  /**
   * The ARNs bedrock:InvokeModel must allow for a call through this id from `stack`'s region
   * (its region, account and partition; the deploy-time values when it has none).
   */
  invokeArns(stack?: Stack): string[] {
    if (this.foundationModelId === undefined) return [this.modelId];
    const partition = stack?.partition ?? Aws.PARTITION;
    const here = stack?.region ?? Aws.REGION;
    const model = (region: string) => `arn:${partition}:bedrock:${region}::foundation-model/${this.foundationModelId}`;
    if (this.geography === undefined) return [model(here)];
    const profile = Arn.format({
      partition,
      service: 'bedrock',
      region: here,
      account: stack?.account ?? Aws.ACCOUNT_ID,
      resource: 'inference-profile',
      resourceName: this.modelId,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    if (this.geography === 'global') return [profile, model('*'), model('')];
    const inGeography = GEOGRAPHIES[this.geography] ?? (() => false);
    const regions = RegionInfo.regions.flatMap((r) => (r.partition !== undefined && inGeography(r.name, r.partition) ? [r.name] : []));
    return [profile, model(here), ...regions.map(model)];
  }

  /** Grants `grantee` bedrock:InvokeModel (and the streaming action, if asked) on exactly `invokeArns()`. */
  grantInvoke(grantee: iam.IGrantable, options: BedrockModelGrantOptions = {}): iam.Grant {
    const actions = ['bedrock:InvokeModel', ...(options.streaming ? ['bedrock:InvokeModelWithResponseStream'] : [])];
    const stack = Construct.isConstruct(grantee) ? Stack.of(grantee) : undefined;
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [...new Set(this.invokeArns(stack))] });
  }

  /** Grants the function the model and tells it the id (`ENV.modelId`), which the kit's ConverseModel takes. */
  connect(fn: lambda.Function, options: BedrockModelConnectOptions = {}): iam.Grant {
    fn.addEnvironment(options.environmentVariable ?? ENV.modelId, this.modelId);
    return this.grantInvoke(fn, options);
  }
}
