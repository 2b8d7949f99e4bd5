import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { synthConsumerApp } from '../fixtures/consumer-app.js';

export const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
export const region = 'us-east-1';

let fixture: string | undefined;

/** Synthesizes the consumer fixture app once per test file (bundling takes a few seconds). */
export function consumerFixture(): string {
  fixture ??= (() => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-fixture-'));
    synthConsumerApp(outdir);
    return outdir;
  })();
  return fixture;
}

export function tempDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'switchyard-data-'));
}

/** Polls `check` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function ticketEntry(ticketId: string, subject = 'Charged twice') {
  return {
    EventBusName: 'fixture-bus',
    Source: 'switchyard.helpdesk',
    DetailType: 'TicketCreated',
    Detail: JSON.stringify({ ticketId, customerId: 'C-1', subject, body: 'Please refund the second charge.' }),
  };
}

/** Debian's AWS CLI v2 (the pyenv `aws` on PATH is v1). CI installs it; elsewhere its tests skip. */
export const AWS_CLI = '/usr/bin/aws';
export const awsCliMissing = !existsSync(AWS_CLI) && !process.env.CI;

/**
 * Runs the real AWS CLI against `endpoint` and parses its JSON output. Asynchronous: the
 * runtime under test answers from this same process.
 */
export async function awsCli(endpoint: string, args: string[]): Promise<unknown> {
  const { stdout } = await promisify(execFile)(AWS_CLI, ['--endpoint-url', endpoint, '--region', region, '--output', 'json', ...args], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_PAGER: '' },
    encoding: 'utf8',
  });
  return stdout.trim() === '' ? undefined : JSON.parse(stdout);
}
