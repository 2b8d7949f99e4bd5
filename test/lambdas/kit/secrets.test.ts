import { type GetSecretValueCommand, ResourceNotFoundException, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { RotatingSecret } from '../../../lambdas/kit/secrets.js';

/** Secrets Manager with one secret whose versions carry the stages given, and a count of calls. */
class FakeSecretsManager {
  calls: string[] = [];
  constructor(public versions: { stage: 'AWSCURRENT' | 'AWSPREVIOUS'; value: string; created: number }[]) {}
  get client(): SecretsManagerClient {
    return this as unknown as SecretsManagerClient;
  }
  async send(command: GetSecretValueCommand) {
    const stage = command.input.VersionStage ?? 'AWSCURRENT';
    this.calls.push(stage);
    const version = this.versions.find((v) => v.stage === stage);
    if (!version) throw new ResourceNotFoundException({ message: `no ${stage}`, $metadata: {} });
    return { SecretString: version.value, CreatedDate: new Date(version.created), VersionId: stage };
  }
}

const HOUR = 3_600_000;

describe('RotatingSecret', () => {
  it('offers the previous secret only while the current one is younger than the grace period', async () => {
    let clock = 10 * HOUR;
    const sm = new FakeSecretsManager([
      { stage: 'AWSCURRENT', value: 'new', created: 9 * HOUR },
      { stage: 'AWSPREVIOUS', value: 'old', created: 0 },
    ]);
    const secret = new RotatingSecret({ client: sm.client, secretId: 's', previousGraceMs: 2 * HOUR, cacheTtlMs: 1000, now: () => clock });
    expect(await secret.values()).toEqual(['new', 'old']);
    clock = 11 * HOUR + 1;
    expect(await secret.values()).toEqual(['new']);
  });

  it('serves from its cache until the TTL passes', async () => {
    let clock = 0;
    const sm = new FakeSecretsManager([{ stage: 'AWSCURRENT', value: 'a', created: -10 * HOUR }]);
    const secret = new RotatingSecret({ client: sm.client, secretId: 's', previousGraceMs: HOUR, cacheTtlMs: 60_000, now: () => clock });
    await secret.values();
    clock = 59_999;
    await secret.values();
    expect(sm.calls).toEqual(['AWSCURRENT']);
    clock = 60_000;
    await secret.values();
    expect(sm.calls).toEqual(['AWSCURRENT', 'AWSCURRENT']);
  });

  it('treats a secret never rotated (no AWSPREVIOUS) as having only its current value', async () => {
    const sm = new FakeSecretsManager([{ stage: 'AWSCURRENT', value: 'only', created: 0 }]);
    const secret = new RotatingSecret({ client: sm.client, secretId: 's', now: () => 1000 });
    expect(await secret.values()).toEqual(['only']);
  });

  it('refreshes at most once per interval, and says whether the values changed', async () => {
    let clock = 0;
    const sm = new FakeSecretsManager([{ stage: 'AWSCURRENT', value: 'a', created: -10 * HOUR }]);
    const secret = new RotatingSecret({
      client: sm.client,
      secretId: 's',
      previousGraceMs: HOUR,
      minRefreshIntervalMs: 10_000,
      now: () => clock,
    });
    await secret.values();
    clock = 5_000;
    expect(await secret.refresh()).toBe(false);
    expect(sm.calls).toHaveLength(1);
    clock = 10_000;
    sm.versions = [
      { stage: 'AWSCURRENT', value: 'b', created: 9_000 },
      { stage: 'AWSPREVIOUS', value: 'a', created: 0 },
    ];
    expect(await secret.refresh()).toBe(true);
    expect(await secret.values()).toEqual(['b', 'a']);
  });
});
