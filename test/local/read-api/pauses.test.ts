import { readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PausesPage, READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import { LocalRuntime } from '../../../local/runtime.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { credentials, region, tempDataDir } from '../helpers.js';

/** A queue its function drains: what the console's Pause stops. */
function writeApp(dir: string): string {
  return writeAssembly(dir, {
    Stack: {
      template: {
        Resources: {
          Inbox: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'pauses-inbox' } },
          Consumer: {
            Type: 'AWS::Lambda::Function',
            Properties: {
              FunctionName: 'pauses-consumer',
              Handler: 'index.handler',
              Runtime: 'nodejs24.x',
              Code: { ZipFile: 'exports.handler = async () => {};' },
            },
          },
          InboxMapping: {
            Type: 'AWS::Lambda::EventSourceMapping',
            Properties: { FunctionName: { Ref: 'Consumer' }, EventSourceArn: { 'Fn::GetAtt': ['Inbox', 'Arn'] } },
          },
        },
      },
    },
  });
}

let cdkOut: string;
let runtime: LocalRuntime;
let lambda: LambdaClient;

beforeAll(async () => {
  cdkOut = writeApp(tempAssemblyDir());
  runtime = await LocalRuntime.start({ cdkOut, dataDir: tempDataDir(), port: 0, log: () => {} });
  lambda = new LambdaClient({ endpoint: runtime.url, region, credentials });
}, 60_000);

afterAll(async () => {
  lambda?.destroy();
  await runtime?.stop();
  if (cdkOut !== undefined) rmSync(cdkOut, { recursive: true, force: true });
});

const pauses = (init?: RequestInit) => fetch(`${runtime.url}${READ_API_PREFIX}${READ_API_PATHS.pauses}`, init);

describe('the read API /pauses', () => {
  it('lists and pauses the app the runtime runs while its assembly folder is empty, as a synthesis that failed under switchyard dev leaves it', async () => {
    // switchyard dev's failed synthesis empties the folder the runtime loaded: the runtime still runs the app.
    for (const entry of readdirSync(cdkOut)) rmSync(path.join(cdkOut, entry), { recursive: true, force: true });
    const listed = await pauses();
    expect(listed.status).toBe(200);
    const page = (await listed.json()) as PausesPage;
    expect(page.targets.map((t) => `${t.kind} ${t.name}`)).toEqual(expect.arrayContaining(['function Consumer', 'queue Inbox']));

    const paused = await pauses({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ target: 'pauses-consumer', action: 'pause' }),
    });
    expect(paused.status, await paused.clone().text()).toBe(200);
    const { EventSourceMappings } = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'pauses-consumer' }));
    expect(EventSourceMappings?.map((m) => m.State)).toEqual([expect.stringMatching(/^Disabl(ing|ed)$/)]);
  });
});
