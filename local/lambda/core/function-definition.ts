/** What the template says of a Lambda function, as every part of the local Lambda reads it. */

/** A function as the template defines it, with its bundle on disk. */
export interface FunctionDefinition {
  readonly name: string;
  readonly arn: string;
  /** `index.handler`: module file and export. */
  readonly handler: string;
  readonly runtime: string;
  readonly architecture: string;
  /** Absolute folder of the bundle (`cdk.out/asset.<hash>`). */
  readonly codePath: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly reservedConcurrency?: number;
  readonly description?: string;
  readonly logGroupName: string;
  /** The folders of the function's layers, in the order of its `Layers` (each has `nodejs/node_modules`). */
  readonly layers?: readonly string[];
  /**
   * The layers of its `Layers` that are not the app's (a published layer's ARN), with their
   * position there: local/lambda/runtime/public-layers/ provides them, or fails its invocations as Lambda would.
   */
  readonly publicLayers?: readonly { readonly arn: string; readonly position: number }[];
  /** The function's asynchronous invocation settings (`AWS::Lambda::EventInvokeConfig`, `DeadLetterConfig`). */
  readonly asyncConfig?: AsyncInvokeConfig;
  /**
   * The asynchronous invocation settings PutFunctionEventInvokeConfig gave a function the API
   * made, by qualifier (`$LATEST`, a version, an alias): once set, what each qualifier's
   * invocations run with in place of `asyncConfig`'s (whose dead-letter queue stays the function's).
   */
  readonly eventInvokeConfigs?: Readonly<Record<string, EventInvokeConfig>>;
  /**
   * The provisioned concurrency PutProvisionedConcurrencyConfig gave a function the API made, by
   * qualifier (a version or an alias): kept and answered, allocated at once (provisioned-concurrency.ts).
   */
  readonly provisionedConcurrency?: Readonly<Record<string, ProvisionedConcurrency>>;
  /**
   * The function's resolved template properties (or, for a function CreateFunction made, its
   * request's members under their CloudFormation names): what the API reports beyond the
   * fields above (Role, TracingConfig, Tags, ...).
   */
  readonly template?: Readonly<Record<string, unknown>>;
  /**
   * Its versions: the ones the template publishes (`AWS::Lambda::Version`, each running the
   * code of `$LATEST`) or PublishVersion published (each running what `published` froze).
   */
  readonly versions?: readonly string[];
  /** Its aliases: the template's (`AWS::Lambda::Alias`) or CreateAlias's. */
  readonly aliases?: readonly FunctionAlias[];
  /** What Lambda's API keeps of a function it created; a template's function has none (its answers are derived from the template). */
  readonly api?: ApiRecord;
  /** The code and settings each version PublishVersion published froze, by version. */
  readonly published?: Readonly<Record<string, FunctionDefinition>>;
  /** The resource-based policies AddPermission wrote: the function's own (key `''`) and its versions' and aliases', by qualifier. */
  readonly policies?: Readonly<Record<string, FunctionPolicy>>;
}

/** A qualifier's provisioned concurrency: what was requested, and when. */
export interface ProvisionedConcurrency {
  readonly requested: number;
  readonly lastModified: string;
}

/** A resource-based policy of a function (or of one of its versions or aliases): its statements and its own RevisionId. */
export interface FunctionPolicy {
  readonly revisionId: string;
  readonly statements: readonly Record<string, unknown>[];
}

/** What Lambda's API keeps of a function CreateFunction made (or of one of its published versions). */
export interface ApiRecord {
  /** Changes with every change of the function (and each state it passes through), as Lambda's does. */
  readonly revisionId: string;
  /** When it last changed, as Lambda writes it (`2026-05-01T10:00:00.000+0000`). */
  readonly lastModified: string;
  /** The uploaded zip's SHA-256 (base64) and size, which Lambda reports as CodeSha256 and CodeSize. */
  readonly codeSha256: string;
  readonly codeSize: number;
  /** The last version number PublishVersion gave (versions are never numbered again, even once deleted). */
  readonly lastVersion?: number;
  /**
   * A change Lambda accepted and has not applied yet: `creating`, the function (or a version
   * being published) is Pending; `updating`, an update of `$LATEST` is InProgress. Each ends
   * once its code is prepared (local/lambda/control-plane/function-transitions.ts).
   */
  readonly change?: 'creating' | 'updating';
  /** Why the last change failed: the function is Failed (`of` a creation) or its LastUpdateStatus is (an update's). */
  readonly failure?: { readonly of: 'creating' | 'updating'; readonly reason: string; readonly code: string };
}

/** An `AWS::Lambda::Alias`: a name for one of the function's versions. */
export interface FunctionAlias {
  readonly name: string;
  readonly functionVersion: string;
  readonly description?: string;
  /** `RoutingConfig.AdditionalVersionWeights`: the share of invocations another version takes. */
  readonly additionalVersionWeights?: Readonly<Record<string, number>>;
  /** An alias CreateAlias made: its RevisionId (a template's alias has a derived one). */
  readonly revisionId?: string;
}

/** How Lambda handles an asynchronous invocation of the function once it is queued. */
export interface AsyncInvokeConfig {
  /** 0-2; Lambda's default is 2. */
  readonly maximumRetryAttempts?: number;
  /** 60-21600 seconds; Lambda's default is 6 hours. */
  readonly maximumEventAgeSeconds?: number;
  readonly onSuccess?: string;
  readonly onFailure?: string;
  /** `DeadLetterConfig.TargetArn`: an SQS queue or SNS topic. */
  readonly deadLetterArn?: string;
}

/** One qualifier's asynchronous invocation settings (event-invoke-configs.ts), and when they were set. */
export interface EventInvokeConfig extends Omit<AsyncInvokeConfig, 'deadLetterArn'> {
  /** Epoch milliseconds. */
  readonly lastModified: number;
}

/**
 * A function's error as Lambda answers it. Node.js's runtime gives `trace`; Python's gives
 * `requestId` and `stackTrace` (its members in its order: `errorMessage` first), which an
 * answer keeps as the environment sent it.
 */
export interface LambdaErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
  readonly requestId?: string;
  readonly stackTrace?: readonly string[];
}

/** The code and settings that run for a version: what PublishVersion froze, else the function's own (`$LATEST`, a template's version). */
export function versionDefinition(definition: FunctionDefinition, version: string): FunctionDefinition {
  return definition.published?.[version] ?? definition;
}
