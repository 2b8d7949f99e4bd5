/**
 * A custom resource of CDK's provider framework (`cr.Provider`), handled as the framework's
 * own functions handle it: the app's onEvent function is invoked with the CloudFormation
 * request (its `ResponseURL` withheld, as the framework withholds it), its answer's
 * PhysicalResourceId (for Create the request id when it gives none; otherwise the one before)
 * and Data kept; then, with an isComplete function, that function is asked with the request and
 * onEvent's answer until it answers IsComplete, its Data joining onEvent's.
 * https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.custom_resources-readme.html#provider-framework
 */
import type { InvokeOutcome } from '../lambda/runtime/function-runtime.js';
import { cloudFormationRequest, failedWith, RequestFailed, type RunRequest } from './custom-resources.js';

/** How often, and how many times, isComplete is asked (the framework's queryInterval is 5 s; its total timeout 30 min). */
export interface Polling {
  readonly intervalMs: number;
  readonly attempts: number;
}

export const POLLING: Polling = { intervalMs: 1000, attempts: 60 };

type Invoke = (functionArn: string, event: unknown) => Promise<InvokeOutcome>;

/** The framework's handling of a request, the app's functions invoked by `invoke`. */
export function frameworkRunner(invoke: Invoke, log: (line: string) => void, polling: Polling = POLLING): RunRequest {
  return async (resource, { requestType, physicalId, oldProperties }) => {
    if (resource.provider.kind !== 'framework') return new RequestFailed(`its provider is not CDK's provider framework`);
    const { onEvent, isComplete } = resource.provider;
    const where = `custom resource ${resource.id} (${resource.type}) ${requestType}`;
    // The framework withholds the ResponseURL from the app's functions: it answers CloudFormation itself.
    const event = cloudFormationRequest(resource, { requestType, physicalId, oldProperties }, '...');
    const answered = await answerOf(invoke, onEvent, event, { where, which: 'its onEvent function' }, log);
    if (answered instanceof RequestFailed) return answered;
    const answer: Record<string, unknown> = answered ?? {};
    const id =
      typeof answer.PhysicalResourceId === 'string' ? answer.PhysicalResourceId : requestType === 'Create' ? event.RequestId : physicalId;
    let data = { ...((answer.Data as Record<string, unknown> | undefined) ?? {}) };
    if (isComplete !== undefined) {
      const asked = { ...event, ...answer, PhysicalResourceId: id };
      let complete = false;
      for (let attempt = 0; attempt < polling.attempts && !complete; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, polling.intervalMs));
        const status = await answerOf(invoke, isComplete, asked, { where, which: 'its isComplete function' }, log);
        if (status instanceof RequestFailed) return status;
        complete = status?.IsComplete === true;
        if (complete) data = { ...data, ...((status?.Data as Record<string, unknown> | undefined) ?? {}) };
      }
      if (!complete) {
        return failedWith(
          log,
          where,
          `its isComplete function did not answer IsComplete in ${polling.attempts} tries ${polling.intervalMs} ms apart`,
        );
      }
    }
    log(`${where}: onEvent${isComplete === undefined ? '' : ' and isComplete'} ran, physical id ${String(id)}`);
    return { physicalId: String(id), data };
  };
}

/** A function's answer (null when it returned nothing), or its failure (said). */
async function answerOf(
  invoke: Invoke,
  functionArn: string,
  event: unknown,
  { where, which }: { readonly where: string; readonly which: string },
  log: (line: string) => void,
): Promise<Record<string, unknown> | null | RequestFailed> {
  let outcome: InvokeOutcome;
  try {
    outcome = await invoke(functionArn, event);
  } catch (error) {
    return failedWith(log, where, `${which} ${functionArn} could not be invoked: ${(error as Error).message}`);
  }
  if (!outcome.ok) {
    return failedWith(log, where, `${which} ${functionArn} failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
  }
  const payload = outcome.payload.trim() === '' ? null : (JSON.parse(outcome.payload) as unknown);
  return payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>) : null;
}
