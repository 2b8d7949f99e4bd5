import { SESClient } from '@aws-sdk/client-ses';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { MailMessage, MailPage } from '../../../clients/read-api-contract.js';
import { READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import { LocalRuntime, type RuntimeOptions } from '../../../local/runtime.js';
import { credentials, eventually, region, tempDataDir } from '../helpers.js';
import { writeSesApp } from './fixture.js';

/** A runtime of the SES fixture app, with SES v1 and v2 and SQS clients; `restart()` starts it again on the same data. */
export class SesRuntime {
  runtime!: LocalRuntime;
  v1!: SESClient;
  v2!: SESv2Client;
  sqs!: SQSClient;
  readonly logs: string[] = [];

  private constructor(
    readonly cdkOut: string,
    readonly dataDir: string,
    private readonly options: Partial<RuntimeOptions>,
  ) {}

  static async start(options: Partial<RuntimeOptions> = {}, cdkOut = writeSesApp()): Promise<SesRuntime> {
    const app = new SesRuntime(cdkOut, tempDataDir(), options);
    await app.#start();
    return app;
  }

  async #start(): Promise<void> {
    this.runtime = await LocalRuntime.start({
      cdkOut: this.cdkOut,
      dataDir: this.dataDir,
      port: 0,
      logEvents: false,
      log: (line) => this.logs.push(line),
      ...this.options,
    });
    const config = { endpoint: this.runtime.url, region, credentials, maxAttempts: 1 };
    this.v1 = new SESClient(config);
    this.v2 = new SESv2Client(config);
    this.sqs = new SQSClient(config);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.#start();
  }

  async stop(): Promise<void> {
    this.v1?.destroy();
    this.v2?.destroy();
    this.sqs?.destroy();
    await this.runtime?.stop();
  }

  /** A read API GET, parsed. */
  async read<T>(path: string): Promise<{ status: number; body: T }> {
    const answer = await fetch(`${this.runtime.url}${READ_API_PREFIX}${path}`);
    return { status: answer.status, body: (await answer.json()) as T };
  }

  async mailbox(query = ''): Promise<MailPage> {
    return (await this.read<MailPage>(`${READ_API_PATHS.mail}${query}`)).body;
  }

  async mail(id: string): Promise<MailMessage> {
    const { status, body } = await this.read<MailMessage>(`${READ_API_PATHS.mail}/${encodeURIComponent(id)}`);
    if (status !== 200) throw new Error(`no mail ${id}: ${JSON.stringify(body)}`);
    return body;
  }

  readonly #received = new Map<string, Record<string, unknown>[]>();

  /**
   * The `count` messages of the fixture's topic queue (raw delivery: the SES event itself, or the
   * topic's test message) or bus queue (the `aws.ses` event) that `match` keeps; what other
   * tests' sends put there is kept aside for them.
   */
  async events(
    queue: 'ses-events-queue' | 'ses-bus-queue',
    match: (event: Record<string, unknown>) => boolean,
    count: number,
  ): Promise<Record<string, unknown>[]> {
    const url = `${this.runtime.url}/000000000000/${queue}`;
    const received = this.#received.get(queue) ?? [];
    this.#received.set(queue, received);
    return eventually(
      async () => {
        const got = await this.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 300 }));
        for (const message of got.Messages ?? []) received.push(parseBody(message.Body ?? ''));
        const matching = received.filter(match);
        return matching.length >= count ? matching : undefined;
      },
      15_000,
      `${count} matching messages in ${queue}`,
    );
  }
}

function parseBody(body: string): Record<string, unknown> {
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    return { text: body };
  }
}

/** Whether an SES event (or an `aws.ses` event's detail) is of the message `id`. */
export const ofMessage = (id: string) => (event: Record<string, unknown>) => {
  const body = (event.detail as Record<string, unknown> | undefined) ?? event;
  return (body.mail as { messageId?: string } | undefined)?.messageId === id;
};

/** An SDK error's name, status and message, for `expect(...).rejects` comparisons. */
export async function failure(call: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await call;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('the call succeeded');
}
