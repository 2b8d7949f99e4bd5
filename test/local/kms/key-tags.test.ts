import { DatabaseSync } from 'node:sqlite';
import { KMSClient, ListKeysCommand, ListResourceTagsCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { KmsService } from '../../../local/kms/kms-service.js';
import { KmsStore } from '../../../local/kms/kms-store.js';
import { ManualClock } from '../../../local/time/clock.js';
import { sdkFailure } from '../../helpers/sdk-failure.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

describe('KMS key tags', () => {
  const app = restartableRuntime({
    assembly: () =>
      writeAssembly(tempAssemblyDir(), {
        Keys: {
          template: {
            Resources: {
              Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: {}, Tags: [{ Key: 'team', Value: 'sec' }] } },
              Alias: { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/tagged', TargetKeyId: { Ref: 'Key' } } },
            },
          },
        },
      }),
    ownsAssembly: true,
    clients: (runtime) => ({ kms: new KMSClient({ ...sdkConfig(runtime.url), maxAttempts: 1 }) }),
  });
  const theKey = async () => (await app.kms.send(new ListKeysCommand({}))).Keys?.[0]?.KeyArn ?? '';
  const tagsOf = async (KeyId: string) => (await app.kms.send(new ListResourceTagsCommand({ KeyId }))).Tags;

  it("tags the template's key with its Tags, which TagResource and UntagResource change by key id or ARN and a restart gives back", async () => {
    const arn = await theKey();
    expect(await tagsOf(arn)).toEqual([{ TagKey: 'team', TagValue: 'sec' }]);
    const keyId = arn.slice(arn.lastIndexOf('/') + 1);
    await app.kms.send(
      new TagResourceCommand({
        KeyId: keyId,
        Tags: [
          { TagKey: 'owner', TagValue: 'ana' },
          { TagKey: 'team', TagValue: 'ops' },
        ],
      }),
    );
    await app.kms.send(new UntagResourceCommand({ KeyId: arn, TagKeys: ['owner', 'absent'] }));
    expect(await tagsOf(keyId)).toEqual([{ TagKey: 'team', TagValue: 'ops' }]);
    await app.restart();
    expect(await tagsOf(arn)).toEqual([{ TagKey: 'team', TagValue: 'sec' }]);
  });

  it('lists the tags a page at a time', async () => {
    const arn = await theKey();
    await app.kms.send(
      new TagResourceCommand({
        KeyId: arn,
        Tags: [
          { TagKey: 'a', TagValue: '1' },
          { TagKey: 'b', TagValue: '2' },
        ],
      }),
    );
    const first = await app.kms.send(new ListResourceTagsCommand({ KeyId: arn, Limit: 2 }));
    expect(first).toMatchObject({ Truncated: true, Tags: [{ TagKey: 'team' }, { TagKey: 'a' }] });
    const rest = await app.kms.send(new ListResourceTagsCommand({ KeyId: arn, Limit: 2, Marker: first.NextMarker }));
    expect(rest).toMatchObject({ Truncated: false, Tags: [{ TagKey: 'b', TagValue: '2' }] });
  });

  describe('errors', () => {
    it('fails if the key does not exist', async () => {
      expect(await sdkFailure(app.kms.send(new ListResourceTagsCommand({ KeyId: '11111111-2222-3333-4444-555555555555' })))).toMatchObject({
        code: 'NotFoundException',
        message: expect.stringContaining("key/11111111-2222-3333-4444-555555555555' does not exist"),
      });
    });

    it("fails if the KeyId is an alias: tags are the key's", async () => {
      expect(
        await sdkFailure(app.kms.send(new TagResourceCommand({ KeyId: 'alias/tagged', Tags: [{ TagKey: 'a', TagValue: 'b' }] }))),
      ).toMatchObject({
        code: 'NotFoundException',
        message: expect.stringContaining('is an alias'),
      });
    });
  });
});

describe('KmsService', () => {
  it('forgets the tags of a key the template no longer declares', () => {
    const db = new DatabaseSync(':memory:');
    const where = { db, clock: new ManualClock(), accountId: '000000000000', region: 'us-east-1', aliases: [] };
    const key = { keyId: '11111111-2222-3333-4444-555555555555', enabled: true, keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT' };
    const arn = `arn:aws:kms:us-east-1:000000000000:key/${key.keyId}`;
    new KmsService({ ...where, keys: [{ ...key, tags: { team: 'a' } }] });
    expect(new KmsStore(db).tags.map(arn)).toEqual({ team: 'a' });
    new KmsService({ ...where, keys: [] });
    expect(new KmsStore(db).tags.map(arn)).toEqual({});
  });
});
