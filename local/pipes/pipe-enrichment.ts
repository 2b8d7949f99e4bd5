import { parseArn } from '../arn.js';
import type { LambdaOutcome } from '../targets/dispatcher.js';

/** What a pipe's enrichment is, through its service's own operations. */
export interface EnrichmentServices {
  readonly lambda: { invoke(functionName: string, event: unknown): Promise<LambdaOutcome> };
  readonly states: {
    /** Left out where no pipe runs a state machine synchronously (tests). */
    StartSyncExecution?(input: {
      stateMachineArn: string;
      input: string;
    }): Promise<{ status?: string; output?: string; error?: string; cause?: string }>;
  };
}

/** The enrichment failed (an error, or an answer that is not JSON): the batch is retried, then dead-lettered, as the source says. */
export class EnrichmentFailure extends Error {
  override readonly name = 'EnrichmentFailure';
}

/**
 * Runs a pipe's enrichment on the batch, synchronously as Pipes does (REQUEST_RESPONSE; an
 * Express state machine through StartSyncExecution), and answers the events it gives for the
 * target. As Pipes reads an enrichment's answer: an empty one (`""`, `{}`, `[]`, nothing)
 * drops the batch, an array is the events (longer or shorter than the batch), anything else
 * is one event; `[{}]` is one empty event.
 */
export async function enrich(services: EnrichmentServices, arn: string, batch: readonly unknown[]): Promise<unknown[]> {
  const answer =
    parseArn(arn).service === 'states' ? await fromStateMachine(services, arn, batch) : await fromFunction(services, arn, batch);
  if (answer.trim() === '') return [];
  let value: unknown;
  try {
    value = JSON.parse(answer);
  } catch (error) {
    throw new EnrichmentFailure(`the enrichment's answer is not JSON: ${answer.slice(0, 200)}`, { cause: error });
  }
  if (Array.isArray(value)) return value;
  if (value === null || value === '' || (typeof value === 'object' && Object.keys(value).length === 0)) return [];
  return [value];
}

async function fromFunction(services: EnrichmentServices, arn: string, batch: readonly unknown[]): Promise<string> {
  const outcome = await services.lambda.invoke(arn, batch);
  if (!outcome.ok) throw new EnrichmentFailure(`enrichment failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
  return outcome.payload;
}

async function fromStateMachine(services: EnrichmentServices, arn: string, batch: readonly unknown[]): Promise<string> {
  if (services.states.StartSyncExecution === undefined)
    throw new EnrichmentFailure(`state machine ${arn} cannot be run synchronously here`);
  const execution = await services.states.StartSyncExecution({ stateMachineArn: arn, input: JSON.stringify(batch) });
  if (execution.status !== 'SUCCEEDED') {
    throw new EnrichmentFailure(`enrichment failed: the execution ${execution.status}: ${execution.error ?? ''}: ${execution.cause ?? ''}`);
  }
  return execution.output ?? '';
}
