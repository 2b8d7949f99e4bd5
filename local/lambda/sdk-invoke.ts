import { AwsError } from '../endpoint/aws-error.js';
import type { SdkCallOptions, SdkOperations } from '../states/aws-sdk-integrations.js';
import { errorPayload, type InvokeOutcome } from './runtime/function-runtime.js';

/** Lambda, as LambdaService offers it in process. */
export interface LambdaForTasks {
  /**
   * A synchronous invocation. Step Functions passes `throttle`: a function at its reserved
   * concurrency fails the task with Lambda.TooManyRequestsException (which a Retry can
   * match), as in AWS, rather than waiting for room.
   */
  invoke(
    functionName: string,
    event: unknown,
    options?: {
      readonly throttle?: boolean;
      readonly signal?: AbortSignal;
      readonly durableExecutionName?: string;
      readonly captureLog?: boolean;
    },
  ): Promise<InvokeOutcome>;
  /**
   * Lambda's asynchronous invocation (InvocationType Event): resolves once the event is
   * durably queued; Lambda's retries, destinations and dead-letter queue take it from there.
   */
  invokeAsync?(
    functionNameOrArn: string,
    event: unknown,
    options?: { readonly durableExecutionName?: string },
  ): Promise<{ requestId: string }>;
}

interface InvokeInput {
  FunctionName?: string;
  InvocationType?: string;
  Qualifier?: string;
  Payload?: unknown;
  LogType?: string;
  ClientContext?: string;
  /** A durable function's execution name: Lambda starts that execution once, and a call naming it again answers its outcome. */
  DurableExecutionName?: string;
}

/**
 * Lambda's Invoke as the API answers it: a function error is not an API error but a
 * `FunctionError` beside the error's payload; an Event invocation is accepted (202) into
 * Lambda's asynchronous queue (retries, destinations) when the Lambda given has one, else
 * runs once in the background. Payload crosses as text, as Step Functions hands a payload blob.
 * A RequestResponse call carries the task's signal; an Event one outlives its task, as in Lambda.
 */
export function lambdaOperations(lambda: LambdaForTasks, log?: (line: string) => void): SdkOperations {
  return {
    Invoke: async (request: never, options?: SdkCallOptions) => {
      const input = request as InvokeInput;
      if (typeof input.FunctionName !== 'string' || input.FunctionName === '') {
        throw new AwsError(
          'ValidationException',
          "1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null",
        );
      }
      const name = input.Qualifier ? `${input.FunctionName}:${input.Qualifier}` : input.FunctionName;
      const event = parseEvent(input.Payload);
      const type = input.InvocationType ?? 'RequestResponse';
      const durable = typeof input.DurableExecutionName === 'string' ? { durableExecutionName: input.DurableExecutionName } : {};
      if (type === 'Event') {
        if (lambda.invokeAsync) {
          await lambda.invokeAsync(name, event, durable);
          return { Payload: '', StatusCode: 202 };
        }
        void lambda.invoke(name, event).then(
          (outcome) => {
            if (!outcome.ok) log?.(`${name} failed an asynchronous invocation: ${outcome.error.errorType}`);
          },
          (error: unknown) => log?.(`${name} could not be invoked asynchronously: ${(error as Error).message}`),
        );
        return { Payload: '', StatusCode: 202 };
      }
      if (type === 'DryRun') return { Payload: '', StatusCode: 204 };
      if (type !== 'RequestResponse') {
        throw new AwsError(
          'ValidationException',
          `1 validation error detected: Value '${String(type)}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
        );
      }
      // The task's signal, as the optimized integration hands it: a call still waiting for one
      // of the function's local environments when the task gives up is dropped, not run later.
      const outcome = await lambda.invoke(name, event, {
        throttle: true,
        ...durable,
        ...(options?.signal ? { signal: options.signal } : {}),
      });
      if (!outcome.ok) return { ExecutedVersion: '$LATEST', FunctionError: 'Unhandled', Payload: errorPayload(outcome), StatusCode: 200 };
      return { ExecutedVersion: '$LATEST', Payload: outcome.payload, StatusCode: 200 };
    },
  };
}

/** The function's event: JSON text as its value, any other JSON value as it is; no payload is `{}`. */
function parseEvent(payload: unknown): unknown {
  if (payload === undefined || payload === null) return {};
  if (typeof payload !== 'string') return payload;
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    throw new AwsError('InvalidRequestContentException', 'Could not parse request body into json: Unrecognized token', 400);
  }
}
