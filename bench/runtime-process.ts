/**
 * The local runtime in a process of its own for the pipeline benchmarks (bench:runtime and
 * bench:runtime-pairs): started from a checkout's bench/local-runtime-host.ts on a fresh data
 * folder, and the fixture app's events sent to it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';

export interface RuntimeProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** The fixture app's event for one ticket (test/fixtures/consumer-app.ts's rule matches it). */
export function entry(ticketId: string) {
  return {
    EventBusName: 'fixture-bus',
    Source: 'switchyard.helpdesk',
    DetailType: 'TicketCreated',
    Detail: JSON.stringify({ ticketId, customerId: 'C-1', subject: 'Charged twice', body: 'Please refund the second charge.' }),
  };
}

/** The runtime of `checkout` (its bench/local-runtime-host.ts) on `cdkOut`, started with these Node flags, on a fresh data folder. */
export async function startRuntime(
  checkout: string,
  cdkOut: string,
  runtimeSpans: boolean,
  nodeFlags: readonly string[] = [],
): Promise<RuntimeProcess> {
  const data = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-data-'));
  const args = [
    ...nodeFlags,
    '--import',
    'tsx',
    'bench/local-runtime-host.ts',
    cdkOut,
    data,
    ...(runtimeSpans ? [] : ['--no-runtime-spans']),
  ];
  const child = spawn(process.execPath, args, { cwd: checkout, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /READY (\S+)/.exec(output);
      if (ready?.[1]) resolve(ready[1]);
    });
    child.once('exit', (code) => reject(new Error(`the runtime of ${checkout} exited with ${code} while starting`)));
  });
  return {
    url,
    pid: child.pid as number,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/** Sends one event per id, ten an entry list, from `clients` callers at once. */
export async function putEvents(events: EventBridgeClient, ids: readonly string[], clients: number): Promise<void> {
  let cursor = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (cursor < ids.length) {
        const batch = ids.slice(cursor, cursor + 10);
        cursor += 10;
        const result = await events.send(new PutEventsCommand({ Entries: batch.map(entry) }));
        if (result.FailedEntryCount) throw new Error('PutEvents entries failed');
      }
    }),
  );
}
