import { readFileSync } from 'node:fs';
import {
  APIGatewayClient,
  CreateRestApiCommand,
  type CreateRestApiCommandInput,
  DeleteRestApiCommand,
  GetRestApisCommand,
} from '@aws-sdk/client-api-gateway';
import { LocalRuntime } from '../../../local/runtime.js';
import { botoShape, caseDifferences, parsedAsSnapshot, withoutMessageCopy } from '../../helpers/recorded-answers.js';
import { assemblyOf } from '../assembly.js';
import { credentials, disposableData, region } from '../helpers.js';

/**
 * Replays calls recorded against real API Gateway (test/conformance/aws-recorded/apigateway/,
 * LocalStack's tests/aws/services/apigateway/test_apigateway_api.py) on the local runtime and
 * compares the answers as the recordings' `apigateway_api` transformers leave them: `id`,
 * `name`, `parentId` and `rootResourceId` values as numbered placeholders (one value each,
 * wherever it appears), timestamps as `datetime`, errors as botocore reports them.
 */

export type Answer = Record<string, unknown>;

export interface ReplayContext {
  /** Sends a command; its answer (or error) as botocore reported it in the recording. */
  call: (command: object) => Promise<Answer>;
  /** Creates a REST API as the test's `apigw_create_rest_api` fixture does (a fresh name unless given); its answer. */
  api: (input?: Partial<CreateRestApiCommandInput>) => Promise<Answer>;
  /** Sends a command that must succeed; its output (ids for the next calls). */
  send: <T = Answer>(command: object) => Promise<T>;
  name: () => string;
}

export type Replay = (context: ReplayContext) => Promise<Answer>;

interface RecordedCase {
  'recorded-date': string;
  'recorded-content': Record<string, unknown>;
}

const RECORDED = JSON.parse(
  readFileSync(new URL('../../conformance/aws-recorded/apigateway/test_apigateway_api.snapshot.json', import.meta.url), 'utf8'),
) as Record<string, RecordedCase>;

/** The recorded test names, as `Class::test` (the recording's keys less the file's path). */
export const recordedTests = (): string[] => Object.keys(RECORDED).map((key) => key.slice(key.indexOf('::') + 2));

function recorded(test: string): Record<string, unknown> {
  const found = Object.entries(RECORDED).find(([key]) => key.endsWith(`::${test}`));
  if (!found) throw new Error(`no recorded case ${test}`);
  return found[1]['recorded-content'];
}

/** A test's differences from its recording, each live answer as the snapshot keeps one (a JSON template parsed). */
export function compareCase(test: string, live: Answer): string[] {
  return caseDifferences(recorded(test), parsedAsSnapshot(live) as Answer, withoutMessageCopy);
}

let counter = 0;

/** A runtime with no app (the replayed calls make the APIs) and the API Gateway client the recordings used. */
export async function startReplay(): Promise<{ runtime: LocalRuntime; context: ReplayContext; close(): void }> {
  const runtime = await LocalRuntime.start({ cdkOut: assemblyOf({}), ...disposableData(), port: 0, log: () => undefined });
  const client = new APIGatewayClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  const send = <T>(command: object) => client.send(command as never) as Promise<T>;
  const call = (command: object) => asBoto(() => send(command));
  const name = () => `test-api-${process.pid}-${++counter}`;
  const context: ReplayContext = { call, send, name, api: (input = {}) => call(new CreateRestApiCommand({ name: name(), ...input })) };
  return { runtime, context, close: () => client.destroy() };
}

/** Deletes every REST API, as the test class's `apigw_cleanup_before_run` does (GetRestApis answers are of the test's own APIs). */
export async function deleteAllApis(context: ReplayContext): Promise<void> {
  const { items = [] } = await context.send<{ items?: { id: string }[] }>(new GetRestApisCommand({ limit: 500 }));
  for (const { id } of items) await context.send(new DeleteRestApiCommand({ restApiId: id }));
}

/** An answer as botocore reports it: the output with `ResponseMetadata`, or `{ Error: { Code, Message } }` with the status. */
async function asBoto(send: () => Promise<object>): Promise<Answer> {
  try {
    const { $metadata, ...output } = (await send()) as Answer & { $metadata: { httpStatusCode?: number } };
    return { ...(botoShape(output) as Answer), ResponseMetadata: { HTTPHeaders: {}, HTTPStatusCode: $metadata.httpStatusCode } };
  } catch (error) {
    const failed = error as Error & { $metadata?: { httpStatusCode?: number } };
    if (failed.$metadata?.httpStatusCode === undefined) throw error;
    return {
      Error: { Code: failed.name, Message: failed.message },
      ResponseMetadata: { HTTPHeaders: {}, HTTPStatusCode: failed.$metadata.httpStatusCode },
    };
  }
}
