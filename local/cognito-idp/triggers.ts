import { AwsError } from '../endpoint/aws-error.js';
import type { PoolRecord, UserRecord } from './records.js';

/** A function's outcome as the local Lambda answers a synchronous invocation. */
export type TriggerOutcome =
  | { readonly ok: true; readonly payload: string }
  | { readonly ok: false; readonly error: { readonly errorMessage?: string } };

/** Invokes a function synchronously, by name or ARN. */
export type InvokeFunction = (functionArn: string, event: unknown) => Promise<TriggerOutcome>;

/** The triggers run here, by their LambdaConfig key; the others are named at start-up. */
export const RUN_TRIGGERS = ['PreSignUp', 'PostConfirmation', 'PreTokenGeneration', 'PreTokenGenerationConfig'] as const;

/** What every trigger's event holds (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html). */
interface TriggerCall {
  readonly pool: PoolRecord;
  readonly clientId: string;
  readonly userName: string;
  readonly triggerSource: string;
  readonly request: Readonly<Record<string, unknown>>;
}

/**
 * A pool's Lambda triggers, invoked synchronously as Cognito invokes them: the event's common
 * fields, the function's answer read back, and a failure answered as
 * `UserLambdaValidationException: <Trigger> failed with error <message>.`
 */
export class Triggers {
  constructor(
    private readonly invoke: InvokeFunction,
    private readonly region: string,
  ) {}

  /** The function's `response`, or undefined when the pool has no such trigger. */
  async run(
    trigger: 'PreSignUp' | 'PostConfirmation' | 'PreTokenGeneration',
    call: TriggerCall,
  ): Promise<Record<string, unknown> | undefined> {
    const config = call.pool.LambdaConfig ?? {};
    const versioned =
      trigger === 'PreTokenGeneration'
        ? (config.PreTokenGenerationConfig as { LambdaArn?: string; LambdaVersion?: string } | undefined)
        : undefined;
    const arn = versioned?.LambdaArn ?? (config[trigger] as string | undefined);
    if (arn === undefined) return undefined;
    const version = versioned?.LambdaVersion === 'V2_0' ? '2' : versioned?.LambdaVersion === 'V3_0' ? '3' : '1';
    const event = {
      version,
      triggerSource: call.triggerSource,
      region: this.region,
      userPoolId: call.pool.Id,
      userName: call.userName,
      callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: call.clientId },
      request: call.request,
      response: {},
    };
    const outcome = await this.invoke(arn, event);
    const failed = (message: string) => new AwsError('UserLambdaValidationException', `${trigger} failed with error ${message}.`, 400);
    if (!outcome.ok) throw failed(outcome.error.errorMessage ?? 'the function failed');
    let answer: { response?: Record<string, unknown> };
    try {
      answer = JSON.parse(outcome.payload) as { response?: Record<string, unknown> };
    } catch (error) {
      throw new AwsError('InvalidLambdaResponseException', `Invalid lambda response received: ${(error as Error).message}`, 400, {
        cause: error,
      });
    }
    return { ...answer?.response, version };
  }
}

/** A user's attributes as triggers see them: with their status, as Cognito adds it. */
export const triggerAttributes = (user: UserRecord) => ({ ...user.attributes, 'cognito:user_status': user.status });
