import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqsService } from '../../../local/sqs/sqs-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { type Clock, ManualClock } from '../../../local/time/clock.js';
import { useTempFolders } from '../../helpers/temp-folders.js';

export const ACCOUNT = '000000000000';
export const REGION = 'us-east-1';
export const BASE_URL = 'http://127.0.0.1:4566';

/** SQS data files of a test's own, `sqs.sqlite` in a folder (`<tmp>/<prefix>XXXXXX`) removed after each test of the file (or describe) that calls this. */
export function useSqsFiles(prefix: string): () => string {
  const { folder } = useTempFolders(prefix);
  return () => path.join(folder(), 'sqs.sqlite');
}

export function arnOf(name: string): string {
  return `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
}

/** A service on a fresh database (`:memory:` unless a file is given). */
export function createSqs<C extends Clock = ManualClock>(options: { clock?: C; file?: string } = {}) {
  const clock = (options.clock ?? new ManualClock()) as C;
  const db = openDatabase(options.file ?? ':memory:');
  const sqs = new SqsService({ db, clock, baseUrl: BASE_URL, accountId: ACCOUNT, region: REGION });
  return {
    sqs,
    clock,
    db,
    close() {
      sqs.close();
      db.close();
    },
  };
}

export async function counts(sqs: SqsService, QueueUrl: string) {
  const { Attributes } = await sqs.GetQueueAttributes({
    QueueUrl,
    AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
  });
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed),
  };
}

/**
 * What a process of its own printed when it was killed with SIGKILL: it runs `body` (module
 * code) with `sqs`, an SqsService on the database `file`, and is killed 20 ms after it prints
 * `ready` (its own timers still sending). The body prints what the service acknowledged.
 */
export async function printedBeforeSigkill(file: string, body: string): Promise<string> {
  const service = fileURLToPath(new URL('../../../local/sqs/sqs-service.ts', import.meta.url));
  const store = fileURLToPath(new URL('../../../local/store/data-folder.ts', import.meta.url));
  const child = `
    const { SqsService } = await import(${JSON.stringify(service)});
    const { openDatabase } = await import(${JSON.stringify(store)});
    const sqs = new SqsService({ db: openDatabase(${JSON.stringify(file)}), clock: { now: () => Date.now() },
      baseUrl: ${JSON.stringify(BASE_URL)}, accountId: ${JSON.stringify(ACCOUNT)}, region: ${JSON.stringify(REGION)} });
    ${body}
  `;
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    proc.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('ready\n')) resolve();
    });
  });
  proc.removeAllListeners('exit');
  await new Promise((resolve) => setTimeout(resolve, 20));
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  proc.kill('SIGKILL');
  await exited;
  return output;
}
