import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App, Stack } from 'aws-cdk-lib';
import { TicketCreated } from '../../domain/index.js';
import { LocalRuntime } from '../../local/runtime.js';
import { toHub } from '../helpers/hub.js';
import { startedForTests } from '../helpers/started-for-tests.js';
import { switchyardAppFolder } from '../helpers/switchyard-assembly.js';
import { credentials, disposableData, eventually, region } from '../local/helpers.js';
import { runCli } from './run-cli.js';

/** The example app synthesized and running in a local runtime of its own, with SDK clients for it. */
export interface AppUnderTest {
  readonly runtime: LocalRuntime;
  readonly cdkOut: string;
  /** The CLI options that target it. */
  readonly target: string[];
  readonly config: { endpoint: string; region: string; credentials: typeof credentials };
}

export async function startApp(): Promise<AppUnderTest> {
  return running(await switchyardAppFolder('switchyard-cli-app-'));
}

/** A CDK app of the test's own, its one stack `stackName` as `build` declares it, synthesized and running. */
export async function startCdkApp(stackName: string, build: (stack: Stack) => void): Promise<AppUnderTest> {
  const cdkOut = mkdtempSync(path.join(tmpdir(), 'switchyard-cli-app-'));
  const app = new App({ outdir: cdkOut });
  build(new Stack(app, stackName, { env: { account: '000000000000', region } }));
  app.synth();
  return running(cdkOut);
}

/** The assembly in `cdkOut` running in a local runtime of its own. */
async function running(cdkOut: string): Promise<AppUnderTest> {
  const runtime = await LocalRuntime.start({ cdkOut, ...disposableData(), port: 0, log: () => {} });
  return {
    runtime,
    cdkOut,
    target: ['--endpoint', runtime.url, '--cdk-out', cdkOut],
    config: { endpoint: runtime.url, region, credentials },
  };
}

/**
 * An app running for the tests of the file (or describe) that calls this, the example app unless
 * `start` starts another: started before them (a synthesis takes a while), then `setUp`, stopped
 * after them. The handle reads the app from then on.
 */
export function useApp(setUp?: (app: AppUnderTest) => Promise<void>, start: () => Promise<AppUnderTest> = startApp): AppUnderTest {
  return startedForTests('the app', start, (app) => app.runtime.stop(), { setUp, timeoutMs: 180_000 });
}

/** Puts a TicketCreated on the app's bus with PutEvents, as the raw AWS CLI would: nothing validates it first. */
export async function putRawTicket(app: AppUnderTest, detail: Record<string, unknown>): Promise<string> {
  const events = new EventBridgeClient(app.config);
  const { Entries = [] } = await events.send(toHub(TicketCreated, detail));
  return Entries[0]?.EventId ?? '';
}

export const STARTER_QUEUE = 'Switchyard-TicketTriageStarterQueue7FCAB319';
export const STARTER_DLQ = 'Switchyard-TicketTriageStarterDeadLetterQueue42D22891';
export const STARTER_TARGET_DLQ = 'Switchyard-TicketTriageStarterTargetDeadLetterQueueCE724221';

export async function queueUrl(app: AppUnderTest, name: string): Promise<string> {
  return (await new SQSClient(app.config).send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl ?? '';
}

/** Visible and in-flight messages of a queue. */
export async function depth(app: AppUnderTest, name: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await new SQSClient(app.config).send(
    new GetQueueAttributesCommand({
      QueueUrl: await queueUrl(app, name),
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return { visible: Number(Attributes.ApproximateNumberOfMessages), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible) };
}

/** The running escalation a ticket opened (the Standard flow waits on a human there). */
export async function escalationOf(app: AppUnderTest, sfn: SFNClient, ticketId: string): Promise<string> {
  return eventually(
    async () => {
      const rows = JSON.parse(
        (await runCli(['executions', '--flow', 'TicketTriageEscalation', '--status', 'RUNNING', '--json', ...app.target])).stdout,
      ) as { executionArn: string }[];
      for (const row of rows) {
        const { input = '' } = await sfn.send(new DescribeExecutionCommand({ executionArn: row.executionArn }));
        if (JSON.parse(input).ticketId === ticketId) return row.executionArn;
      }
      return undefined;
    },
    60_000,
    `the escalation of ${ticketId}`,
  );
}

/** A ticket the local model is unsure about, so that it is escalated to a human. */
export const escalatingTicket = (ticketId: string) => ({ ticketId, customerId: 'C-1', subject: 'hello', body: 'asdf qwerty' });
