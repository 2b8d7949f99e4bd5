import { AwsError } from '../endpoint/aws-error.js';
import { childHeader, currentTraceHeader, newSegmentId } from '../endpoint/trace-header.js';
import { TaskFailure } from '../states/engine/index.js';
import {
  abortable,
  parsePayload,
  payloadText,
  requiredString,
  sdkMetadata,
  serviceFailure,
  type TaskEnvironment,
} from '../states/integrations/shared.js';
import type { ActionRun, StepFunctionsIntegrations } from '../states/task-integrations.js';
import type { LambdaService } from './lambda-service.js';
import { logTail } from './request-parts.js';
import { errorPayload, type InvokeOutcome } from './runtime/function-runtime.js';
import { type LambdaForTasks, lambdaOperations } from './sdk-invoke.js';

/** The Java SDK's names in the errors of `lambda:` tasks (and of tasks naming a function's ARN). */
const ERRORS = { prefix: 'Lambda', service: 'AWSLambda', accessDenied: 'AWSLambdaException' };

/** A Task whose resource is a function ARN: the function's response is the result, its error the task's. */
async function lambdaFunction(lambda: LambdaForTasks, functionArn: string, input: unknown, signal: AbortSignal): Promise<unknown> {
  const outcome = await invoke(lambda, functionArn, input, signal);
  // The cause is the function's error payload as its runtime wrote it (AWS's recorded answers).
  if (!outcome.ok) throw new TaskFailure(outcome.error.errorType, errorPayload(outcome));
  return parsePayload(outcome.payload);
}

/** `arn:aws:states:::lambda:invoke`: Invoke's answer with the Java SDK's metadata, the payload parsed. */
const lambdaInvoke: ActionRun<LambdaForTasks> = async (env, lambda, args, request) => {
  const name = requiredString(args, 'FunctionName', request);
  const event = JSON.parse(payloadText(args.Payload)) as unknown;
  const type = args.InvocationType ?? 'RequestResponse';
  if (type === 'Event') return invokeEvent(env, lambda, name, event, request.signal);
  if (type === 'DryRun') return { Payload: '', ...sdkMetadata(env.clock, 'application/json', '', 204), StatusCode: 204 };
  if (type !== 'RequestResponse') {
    throw serviceFailure(ERRORS, new AwsError('InvalidParameterValueException', `Invalid InvocationType: ${String(type)}`));
  }
  const tail = args.LogType === 'Tail';
  const outcome = await invoke(lambda, name, event, request.signal, tail);
  // The integration reads the payload and writes its JSON again: its cause is compact whatever the
  // runtime wrote (AWS's recorded answers: a Python error's `", "` are gone), unlike a Task naming the function.
  const body = outcome.ok ? outcome.payload : JSON.stringify(outcome.error);
  if (!outcome.ok) throw new TaskFailure(outcome.error.errorType, body);
  // LogType Tail: the end of the invocation's log, as Invoke answers it (AWS's recorded answers).
  const logResult = tail ? logTail(outcome.logLines ?? []) : undefined;
  return {
    ExecutedVersion: '$LATEST',
    ...(logResult === undefined ? {} : { LogResult: logResult }),
    Payload: parsePayload(outcome.payload),
    ...sdkMetadata(env.clock, 'application/json', body, 200, {
      ...(logResult === undefined ? {} : { 'X-Amz-Log-Result': logResult }),
      'X-Amz-Executed-Version': '$LATEST',
      'x-amzn-Remapped-Content-Length': '0',
      Connection: 'keep-alive',
      // Lambda answers with the trace header the call carried (the task's; a new trace's without one).
      'X-Amzn-Trace-Id': currentTraceHeader() ?? childHeader(undefined, newSegmentId()),
    }),
    StatusCode: 200,
  };
};

/**
 * An Event invocation, answered 202 once Lambda has accepted it. Without Lambda's
 * asynchronous queue (a bare `invoke`), the function runs in the background, once.
 */
async function invokeEvent(env: TaskEnvironment, lambda: LambdaForTasks, name: string, event: unknown, signal: AbortSignal) {
  let requestId: string | undefined;
  if (lambda.invokeAsync) {
    try {
      ({ requestId } = await abortable(lambda.invokeAsync(name, event), signal));
    } catch (error) {
      if (signal.aborted) throw error;
      throw serviceFailure(ERRORS, error);
    }
  } else {
    void invoke(lambda, name, event, new AbortController().signal).then(
      (outcome) => {
        if (!outcome.ok) env.log?.(`${name} failed an asynchronous invocation: ${outcome.error.errorType}`);
      },
      () => {},
    );
  }
  return { Payload: '', ...sdkMetadata(env.clock, 'application/json', '', 202, {}, requestId), StatusCode: 202 };
}

async function invoke(
  lambda: LambdaForTasks,
  name: string,
  event: unknown,
  signal: AbortSignal,
  captureLog = false,
): Promise<InvokeOutcome> {
  try {
    // The signal reaches the function too: an invocation still waiting for room when the task times out is never run.
    return await abortable(lambda.invoke(name, event, { throttle: true, signal, captureLog }), signal);
  } catch (error) {
    if (signal.aborted) throw error;
    throw serviceFailure(ERRORS, error);
  }
}

/**
 * Lambda's Step Functions integrations: `lambda:invoke` (and its callback pattern), a Task
 * naming a function's ARN, and Invoke as `aws-sdk:lambda:invoke` (the others are not run locally).
 */
export const lambdaStepFunctions: StepFunctionsIntegrations<LambdaService> = {
  optimized: {
    errors: ERRORS,
    outputModel: 'lambda',
    exhaustive: true,
    actions: { invoke: { patterns: ['request-response', 'waitForTaskToken'], run: lambdaInvoke } },
    ownArns: {
      label: 'Lambda function ARNs',
      request: (functionArn) => ({ operation: 'Invoke', input: { FunctionName: functionArn } }),
      run: lambdaFunction,
    },
  },
  sdk: {
    lambda: {
      name: 'Lambda',
      wireCase: 'pascal',
      model: { package: '@aws-sdk/client-lambda', baseException: 'LambdaServiceException' },
      unsupported: new Set(['invokeAsync']),
      operations: lambdaOperations,
    },
  },
};
