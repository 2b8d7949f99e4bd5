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
   * position there: local/lambda/public-layers/ provides them, or fails its invocations as Lambda would.
   */
  readonly publicLayers?: readonly { readonly arn: string; readonly position: number }[];
  /** The function's asynchronous invocation settings (`AWS::Lambda::EventInvokeConfig`, `DeadLetterConfig`). */
  readonly asyncConfig?: AsyncInvokeConfig;
  /** The function's resolved template properties: what the read API reports beyond the fields above (Role, TracingConfig, ...). */
  readonly template?: Readonly<Record<string, unknown>>;
  /** The versions the template publishes (`AWS::Lambda::Version`): each runs the same code as `$LATEST`. */
  readonly versions?: readonly string[];
  /** The template's aliases (`AWS::Lambda::Alias`) of the function. */
  readonly aliases?: readonly FunctionAlias[];
}

/** An `AWS::Lambda::Alias`: a name for one of the function's versions. */
export interface FunctionAlias {
  readonly name: string;
  readonly functionVersion: string;
  readonly description?: string;
  /** `RoutingConfig.AdditionalVersionWeights`, as the template gives it. */
  readonly additionalVersionWeights?: Readonly<Record<string, number>>;
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

export interface LambdaErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}
