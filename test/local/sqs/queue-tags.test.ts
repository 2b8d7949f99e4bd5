import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CreateQueueCommand, ListQueueTagsCommand, SQSClient, TagQueueCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimesWithData } from '../../helpers/runtime-with-data.js';
import { assemblyOf } from '../assembly.js';
import { credentials, region, tempDataDir } from '../helpers.js';
import { sqsQueue } from '../template-resources.js';

const appTagged = (team: string) => assemblyOf({ Tagged: sqsQueue('from-template', { Tags: [{ Key: 'team', Value: team }] }) });
const cdkOut = appTagged('template');

describe('SQS queue tags', () => {
  const runtimes = new RuntimesWithData();
  const clients: SQSClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await runtimes.stopAll();
  });

  async function started(dataDir: string) {
    const runtime = await runtimes.start(cdkOut, { dataDir });
    const client = new SQSClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
    clients.push(client);
    return Object.assign(client, { runtime });
  }

  const tagsOf = async (sqs: SQSClient, QueueUrl: string) => (await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags ?? {};

  it("keeps the tags a data folder of an earlier version held in its queues' rows; a template's queue has its template's Tags at each start", async () => {
    const dataDir = tempDataDir();
    const first = await started(dataDir);
    const { QueueUrl: templateUrl = '' } = await first.send(new CreateQueueCommand({ QueueName: 'from-template' }));
    expect(await tagsOf(first, templateUrl)).toEqual({ team: 'template' });
    await first.send(new TagQueueCommand({ QueueUrl: templateUrl, Tags: { added: 'by-api' } }));
    const { QueueUrl: oldUrl = '' } = await first.send(new CreateQueueCommand({ QueueName: 'old-tagged' }));
    await runtimes.stopAll();
    // The queues' table as the earlier version kept it: each queue's tags as a JSON map in its `tags` column, no tag store.
    const db = new DatabaseSync(path.join(dataDir, 'sqs.sqlite'));
    db.exec(`ALTER TABLE sqs_queue ADD COLUMN tags TEXT NOT NULL DEFAULT '{}'; DROP TABLE resource_tags`);
    db.prepare('UPDATE sqs_queue SET tags = ? WHERE name = ?').run(JSON.stringify({ team: 'a', env: 'dev' }), 'old-tagged');
    db.close();

    const second = await started(dataDir);
    expect(await tagsOf(second, oldUrl)).toEqual({ team: 'a', env: 'dev' });
    expect(await tagsOf(second, templateUrl)).toEqual({ team: 'template' });
  });

  it("sets a template's queue's tags to its template's again at a synthesis, in place of those the API added", async () => {
    const sqs = await started(tempDataDir());
    const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: 'from-template' }));
    await sqs.send(new TagQueueCommand({ QueueUrl, Tags: { added: 'by-api' } }));
    await sqs.runtime.reload(cdkOut);
    expect(await tagsOf(sqs, QueueUrl)).toEqual({ team: 'template' });
    await sqs.runtime.reload(appTagged('changed'));
    expect(await tagsOf(sqs, QueueUrl)).toEqual({ team: 'changed' });
  });
});
