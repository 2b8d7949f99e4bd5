/**
 * A plain Lambda-backed custom resource (its ServiceToken the app's function, not CDK's provider
 * framework), handled as CloudFormation handles it: the function is invoked with the request
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html), whose
 * `ResponseURL` is a local URL on the runtime's endpoint (`/_aws/cloudformation-response/<id>`)
 * instead of a presigned S3 URL; the function (or anything it hands the URL to) PUTs its JSON
 * answer there (Status, Reason, PhysicalResourceId, Data, NoEcho:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html).
 * CloudFormation waits up to an hour for the answer; locally a start waits RESPONSE_WAIT_MS after
 * the function returned, and says so when none came.
 */
import { randomUUID } from 'node:crypto';
import type { AppHttpService } from '../endpoint/server.js';
import type { InvokeOutcome } from '../lambda/runtime/function-runtime.js';
import { cloudFormationRequest, failedWith, RequestFailed, type RequestOutcome, type RunRequest } from './custom-resources.js';

export const RESPONSE_PATH = '/_aws/cloudformation-response/';

/** How long a start waits for an answer once the function has returned (the answer may come from another function it started). */
// Not CloudFormation's hour: the start waits on it, and a function that answers does so before it
// returns (cfn-response, a fetch in the handler) or soon after, through what it started.
export const RESPONSE_WAIT_MS = 10_000;

/** The largest answer CloudFormation takes (its response objects' documented limit). */
const MAX_RESPONSE_BYTES = 4096;

type HttpRequest = Parameters<AppHttpService['handle']>[0];
type HttpResponse = Awaited<ReturnType<AppHttpService['handle']>>;

/** The endpoint's ResponseURLs: each request's, answered once by a PUT of its JSON. */
export class ResponseUrls implements AppHttpService {
  readonly #waiting = new Map<string, (body: Buffer) => void>();

  handles(_host: string | undefined, url: string): boolean {
    return url.startsWith(RESPONSE_PATH);
  }

  async handle(request: HttpRequest): Promise<HttpResponse> {
    const id = request.url.slice(RESPONSE_PATH.length).split('?')[0] ?? '';
    const answer = this.#waiting.get(id);
    if (request.method !== 'PUT') return text(405, `a custom resource's answer is PUT to its ResponseURL, not ${request.method}`);
    // As S3 refuses a presigned URL once used or expired (CloudFormation no longer waits for it).
    if (answer === undefined) return text(403, `no custom resource request waits for an answer at ${request.url}`);
    this.#waiting.delete(id);
    answer(request.body);
    return { status: 200, headers: {}, body: Buffer.alloc(0) };
  }

  /** A new ResponseURL's id, and the answer PUT there (until `forget`). */
  expect(): { id: string; answer: Promise<Buffer>; forget(): void } {
    const id = randomUUID();
    const answer = new Promise<Buffer>((resolve) => this.#waiting.set(id, resolve));
    return { id, answer, forget: () => this.#waiting.delete(id) };
  }
}

function text(status: number, message: string): HttpResponse {
  return { status, headers: { 'content-type': 'text/plain' }, body: Buffer.from(message) };
}

type Invoke = (functionArn: string, event: unknown) => Promise<InvokeOutcome>;

/** How a plain Lambda-backed resource's request runs: its function invoked by `invoke`, its answer taken at `responses`. */
export interface LambdaBackedOptions {
  readonly invoke: Invoke;
  readonly responses: ResponseUrls;
  /** The endpoint's URL (`http://127.0.0.1:4566`), which ResponseURL starts with. */
  readonly url: string;
  readonly log: (line: string) => void;
  readonly waitMs?: number;
}

export function lambdaBackedRunner({ invoke, responses, url, log, waitMs = RESPONSE_WAIT_MS }: LambdaBackedOptions): RunRequest {
  return async (resource, { requestType, physicalId, oldProperties }) => {
    if (resource.provider.kind !== 'lambda') return new RequestFailed(`its provider is not a Lambda function of the app`);
    const { functionArn } = resource.provider;
    const where = `custom resource ${resource.id} (${resource.type}) ${requestType}`;
    const pending = responses.expect();
    const event = cloudFormationRequest(resource, { requestType, physicalId, oldProperties }, `${url}${RESPONSE_PATH}${pending.id}`);
    let answered: Buffer | undefined;
    void pending.answer.then((body) => {
      answered = body;
    });
    try {
      let outcome: InvokeOutcome;
      try {
        outcome = await invoke(functionArn, event);
      } catch (error) {
        return failedWith(log, where, `its function ${functionArn} could not be invoked: ${(error as Error).message}`);
      }
      // An answer PUT before the function failed stands, as on AWS.
      if (answered === undefined && !outcome.ok) {
        return failedWith(
          log,
          where,
          `its function failed without answering at its ResponseURL: ${outcome.error.errorType}: ${outcome.error.errorMessage} (CloudFormation would wait up to an hour for an answer; tried again at the next start)`,
        );
      }
      const body = answered ?? (await withinWait(pending.answer, waitMs));
      if (body === undefined) {
        return failedWith(
          log,
          where,
          `no answer was PUT to its ResponseURL within ${waitMs / 1000} s of its function returning (an answer sent over https, as Node's cfn-response module sends it, cannot reach the local http URL; tried again at the next start)`,
        );
      }
      return answerOf(body, where, requestType === 'Create' ? undefined : physicalId, log);
    } finally {
      pending.forget();
    }
  };
}

async function withinWait(answer: Promise<Buffer>, waitMs: number): Promise<Buffer | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), waitMs);
  });
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The answer as CloudFormation reads it: SUCCESS's physical id and Data, or the failure for FAILED or an answer it refuses (said). */
function answerOf(body: Buffer, where: string, physicalIdBefore: string | undefined, log: (line: string) => void): RequestOutcome {
  if (body.length > MAX_RESPONSE_BYTES) {
    return failedWith(log, where, `its answer is ${body.length} bytes, more than the ${MAX_RESPONSE_BYTES} CloudFormation takes`);
  }
  let answer: Record<string, unknown>;
  try {
    answer = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return failedWith(log, where, `its answer is not JSON: ${body.toString('utf8').slice(0, 120)}`);
  }
  if (answer?.Status === 'FAILED') {
    return failedWith(
      log,
      where,
      `its function answered FAILED: ${String(answer.Reason ?? '(no Reason)')} (tried again at the next start)`,
    );
  }
  if (answer?.Status !== 'SUCCESS') {
    return failedWith(log, where, `its answer's Status is ${JSON.stringify(answer?.Status)}, neither SUCCESS nor FAILED`);
  }
  const physicalId =
    typeof answer.PhysicalResourceId === 'string' && answer.PhysicalResourceId !== '' ? answer.PhysicalResourceId : physicalIdBefore;
  if (physicalId === undefined) {
    return failedWith(log, where, `its SUCCESS answer has no PhysicalResourceId (CloudFormation requires a non-empty one)`);
  }
  const data = answer.Data !== null && typeof answer.Data === 'object' ? (answer.Data as Record<string, unknown>) : {};
  log(`${where}: its function answered SUCCESS, physical id ${physicalId}`);
  return { physicalId, data };
}
