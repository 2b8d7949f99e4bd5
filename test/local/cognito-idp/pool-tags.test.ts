import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { CognitoStore } from '../../../local/cognito-idp/store.js';
import { assemblyOf } from '../assembly.js';
import { userPool } from '../template-resources.js';
import { failure, useCognitoRuntime } from './cognito-client.js';

const ARN = 'arn:aws:cognito-idp:us-east-1:000000000000:userpool/';

describe('Cognito user pool tags', () => {
  const { suite, call } = useCognitoRuntime(() =>
    assemblyOf({ Users: userPool('tagged-users', { UserPoolTags: { team: 'auth', tier: 'gold' } }) }, 'Auth'),
  );
  const templatePool = async (): Promise<{ Id: string; Arn: string }> => {
    const { UserPools } = await call('ListUserPools', { MaxResults: 60 });
    const id = UserPools.find((p: { Name: string }) => p.Name === 'tagged-users').Id as string;
    return { Id: id, Arn: `${ARN}${id}` };
  };

  it("tags the template's pool with its UserPoolTags, which TagResource and UntagResource change and a restart gives back", async () => {
    const pool = await templatePool();
    expect(await call('ListTagsForResource', { ResourceArn: pool.Arn })).toEqual({ Tags: { team: 'auth', tier: 'gold' } });
    await call('TagResource', { ResourceArn: pool.Arn, Tags: { team: 'identity', owner: 'ana' } });
    await call('UntagResource', { ResourceArn: pool.Arn, TagKeys: ['tier', 'not-there'] });
    expect((await call('ListTagsForResource', { ResourceArn: pool.Arn })).Tags).toEqual({ team: 'identity', owner: 'ana' });
    expect((await call('DescribeUserPool', { UserPoolId: pool.Id })).UserPool.UserPoolTags).toEqual({ team: 'identity', owner: 'ana' });
    await suite.restart();
    expect((await call('ListTagsForResource', { ResourceArn: pool.Arn })).Tags).toEqual({ team: 'auth', tier: 'gold' });
  });

  it('keeps a pool the API created with its UserPoolTags, which DescribeUserPool answers, across a restart', async () => {
    const { UserPool } = await call('CreateUserPool', { PoolName: 'made', UserPoolTags: { stage: 'dev' } });
    expect(UserPool.UserPoolTags).toEqual({ stage: 'dev' });
    await suite.restart();
    expect((await call('ListTagsForResource', { ResourceArn: UserPool.Arn })).Tags).toEqual({ stage: 'dev' });
    const untagged = (await call('CreateUserPool', { PoolName: 'plain' })).UserPool;
    expect(untagged.UserPoolTags).toBeUndefined();
    expect(await call('ListTagsForResource', { ResourceArn: untagged.Arn })).toEqual({ Tags: {} });
  });

  describe('errors', () => {
    it('fails if the ARN names a user pool that does not exist', async () => {
      expect(await failure(call('TagResource', { ResourceArn: `${ARN}us-east-1_NoSuchPool`, Tags: { a: 'b' } }))).toEqual({
        code: 'ResourceNotFoundException',
        message: 'User pool us-east-1_NoSuchPool does not exist.',
      });
      expect(await failure(call('ListTagsForResource', { ResourceArn: `${ARN}us-east-1_NoSuchPool` }))).toMatchObject({
        code: 'ResourceNotFoundException',
      });
    });

    it('fails if the ARN is not a user pool ARN', async () => {
      expect(
        await failure(call('UntagResource', { ResourceArn: 'arn:aws:sqs:us-east-1:000000000000:queue', TagKeys: ['a'] })),
      ).toMatchObject({ code: 'InvalidParameterException', message: expect.stringContaining("is not a user pool's ARN") });
    });
  });
});

describe('CognitoStore', () => {
  it("keeps the tags a data folder of an earlier version held in its pools' records, rewriting each without them", () => {
    const db = new DatabaseSync(':memory:');
    // A pool as the earlier version kept it: its record held its `UserPoolTags` map.
    db.exec('CREATE TABLE pools (id TEXT PRIMARY KEY, json TEXT NOT NULL)');
    const pool = { Id: 'us-east-1_Old', Name: 'old', Arn: `${ARN}us-east-1_Old`, origin: 'api' };
    db.prepare('INSERT INTO pools (id, json) VALUES (?, ?)').run(pool.Id, JSON.stringify({ ...pool, UserPoolTags: { team: 'a' } }));
    const store = new CognitoStore(db);
    expect(store.tags.map(pool.Arn)).toEqual({ team: 'a' });
    expect(store.pools.get(pool.Id)).toEqual(pool);
    expect(new CognitoStore(db).tags.map(pool.Arn)).toEqual({ team: 'a' });
  });
});
