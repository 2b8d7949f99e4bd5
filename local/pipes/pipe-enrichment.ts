import { HttpIntegrationError } from '../apigateway/http-forward.js';
import { ConnectionAuthorizationError } from '../events/api-destination-call.js';
import { parseArn } from '../names/arn.js';
import type { LambdaOutcome } from '../targets/dispatcher.js';
import { callHttp, type PipeHttpCall, type PipeHttpServices } from './pipe-http.js';

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
  /** API destination and API Gateway enrichments; left out where no pipe has one (tests). */
  readonly http?: PipeHttpServices;
}

/** One event of the batch as the enrichment gets it: `text` (its input template filled, or its JSON), `event` for dynamic parameters. */
export interface EnrichmentInput {
  readonly text: string;
  readonly event: unknown;
}

/** The enrichment failed (an error, or an answer that is not JSON): the batch is retried, then dead-lettered, as the source says. */
export class EnrichmentFailure extends Error {
  override readonly name = 'EnrichmentFailure';
}

/**
 * Runs a pipe's enrichment on the batch, synchronously as Pipes does (REQUEST_RESPONSE; an
 * Express state machine through StartSyncExecution), and answers the events it gives for the
 * target. A function or state machine gets the batch as one array; an API destination or API
 * Gateway enrichment, which Pipes does not batch, one request per event, its body the event's
 * text, a non-2xx answer failing the batch. Each answer read as Pipes reads one: an empty one
 * (`""`, `{}`, `[]`, nothing) drops its events, an array is events (longer or shorter than
 * the batch), anything else is one event; `[{}]` is one empty event.
 */
export async function enrich(
  services: EnrichmentServices,
  arn: string,
  batch: readonly EnrichmentInput[],
  http?: PipeHttpCall,
): Promise<unknown[]> {
  if (http !== undefined) {
    const events: unknown[] = [];
    for (const input of batch) events.push(...readAnswer(await fromHttp(services, arn, http, input)));
    return events;
  }
  const array = batch.map((input) => JSON.parse(input.text) as unknown);
  const answer =
    parseArn(arn).service === 'states' ? await fromStateMachine(services, arn, array) : await fromFunction(services, arn, array);
  return readAnswer(answer);
}

function readAnswer(answer: string): unknown[] {
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

async function fromHttp(services: EnrichmentServices, arn: string, call: PipeHttpCall, input: EnrichmentInput): Promise<string> {
  if (services.http === undefined) throw new EnrichmentFailure(`the HTTP enrichment ${arn} cannot be reached here`);
  let answer: Awaited<ReturnType<typeof callHttp>>;
  try {
    answer = await callHttp(services.http, call, input.event, input.text);
  } catch (error) {
    if (error instanceof HttpIntegrationError || error instanceof ConnectionAuthorizationError)
      throw new EnrichmentFailure(`enrichment failed: ${error.message}`, { cause: error });
    throw error;
  }
  if (answer.status < 200 || answer.status > 299) {
    throw new EnrichmentFailure(`enrichment failed: ${arn} answered ${answer.status}: ${answer.body.slice(0, 200)}`);
  }
  return answer.body;
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
