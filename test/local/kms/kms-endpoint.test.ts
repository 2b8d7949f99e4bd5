import {
  DecryptCommand,
  DescribeKeyCommand,
  DisabledException,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateRandomCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  KMSClient,
  ListAliasesCommand,
  ListKeysCommand,
  NotFoundException,
} from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { tableResource } from '../../helpers/dynamodb-table-inputs.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

const text = new TextEncoder();
const decode = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

function kmsApp(dir: string): string {
  return writeAssembly(dir, {
    Keys: {
      template: {
        Resources: {
          Key: { Type: 'AWS::KMS::Key', Properties: { Description: 'app data', KeyPolicy: {}, EnableKeyRotation: true } },
          Alias: { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/app', TargetKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } } },
          Other: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: {} } },
          Off: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: {}, Enabled: false } },
          // Encryption settings that name the key are accepted (and not emulated).
          Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'sealed', KmsMasterKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } } },
          Table: tableResource(
            'sealed',
            { key: { pk: 'S' } },
            { SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { Ref: 'Key' } } },
          ),
          Logs: { Type: 'AWS::Logs::LogGroup', Properties: { KmsKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } } },
        },
      },
    },
  });
}

describe('KmsService over the local endpoint', () => {
  const app = restartableRuntime({
    assembly: () => kmsApp(tempAssemblyDir()),
    ownsAssembly: true,
    clients: (runtime) => ({ kms: new KMSClient(sdkConfig(runtime.url)) }),
  });

  it("loads the template's keys with no warning", () => {
    expect(app.runtime.warnings).toEqual([]);
  });

  it('encrypts with a key by alias and decrypts without naming the key, across a restart', async () => {
    const { CiphertextBlob, KeyId } = await app.kms.send(
      new EncryptCommand({ KeyId: 'alias/app', Plaintext: text.encode('secret'), EncryptionContext: { tenant: 'a' } }),
    );
    expect(KeyId).toMatch(/^arn:aws:kms:us-east-1:000000000000:key\/[0-9a-f-]{36}$/);
    expect(decode(CiphertextBlob)).not.toContain('secret');
    await app.restart();
    const decrypted = await app.kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { tenant: 'a' } }));
    expect(decode(decrypted.Plaintext)).toBe('secret');
    expect(decrypted.KeyId).toBe(KeyId);
  });

  it('fails to decrypt with another encryption context or another key', async () => {
    const { CiphertextBlob } = await app.kms.send(
      new EncryptCommand({ KeyId: 'alias/app', Plaintext: text.encode('x'), EncryptionContext: { tenant: 'a' } }),
    );
    await expect(app.kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { tenant: 'b' } }))).rejects.toThrow(
      InvalidCiphertextException,
    );
    const other = (await app.kms.send(new ListKeysCommand({}))).Keys?.map((k) => k.KeyId) ?? [];
    const appKey = (await app.kms.send(new DescribeKeyCommand({ KeyId: 'alias/app' }))).KeyMetadata?.KeyId;
    const wrong = other.find((id) => id !== appKey);
    await expect(app.kms.send(new DecryptCommand({ CiphertextBlob, KeyId: wrong, EncryptionContext: { tenant: 'a' } }))).rejects.toThrow(
      IncorrectKeyException,
    );
  });

  it('generates a data key whose ciphertext decrypts to its plaintext', async () => {
    const dataKey = await app.kms.send(new GenerateDataKeyCommand({ KeyId: 'alias/app', KeySpec: 'AES_256' }));
    expect(dataKey.Plaintext).toHaveLength(32);
    const { Plaintext } = await app.kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob }));
    expect(Buffer.from(Plaintext ?? []).equals(Buffer.from(dataKey.Plaintext ?? []))).toBe(true);
  });

  it('generates random bytes', async () => {
    const { Plaintext } = await app.kms.send(new GenerateRandomCommand({ NumberOfBytes: 16 }));
    expect(Plaintext).toHaveLength(16);
  });

  it('describes a key, lists the keys and the aliases', async () => {
    const { KeyMetadata } = await app.kms.send(new DescribeKeyCommand({ KeyId: 'alias/app' }));
    expect(KeyMetadata).toMatchObject({
      Description: 'app data',
      Enabled: true,
      KeyState: 'Enabled',
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyManager: 'CUSTOMER',
    });
    const keys = (await app.kms.send(new ListKeysCommand({}))).Keys ?? [];
    expect(keys.map((k) => k.KeyId)).toContain(KeyMetadata?.KeyId);
    expect(keys).toHaveLength(3);
    const aliases = await app.kms.send(new ListAliasesCommand({ KeyId: KeyMetadata?.KeyId }));
    expect(aliases.Aliases).toEqual([
      { AliasName: 'alias/app', AliasArn: 'arn:aws:kms:us-east-1:000000000000:alias/app', TargetKeyId: KeyMetadata?.KeyId },
    ]);
  });

  it('encrypts with an AWS managed key on first use', async () => {
    const { CiphertextBlob } = await app.kms.send(new EncryptCommand({ KeyId: 'alias/aws/ssm', Plaintext: text.encode('m') }));
    expect(decode((await app.kms.send(new DecryptCommand({ CiphertextBlob }))).Plaintext)).toBe('m');
  });

  it('fails if the key does not exist or is disabled', async () => {
    await expect(app.kms.send(new EncryptCommand({ KeyId: 'alias/nope', Plaintext: text.encode('x') }))).rejects.toThrow(NotFoundException);
    await expect(
      app.kms.send(new EncryptCommand({ KeyId: '11111111-2222-4333-8444-555555555555', Plaintext: text.encode('x') })),
    ).rejects.toThrow(NotFoundException);
    const keys = (await app.kms.send(new ListKeysCommand({}))).Keys ?? [];
    const states = await Promise.all(keys.map((k) => app.kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))));
    const off = states.find((s) => s.KeyMetadata?.Enabled === false)?.KeyMetadata?.KeyId;
    await expect(app.kms.send(new EncryptCommand({ KeyId: off, Plaintext: text.encode('x') }))).rejects.toThrow(DisabledException);
  });

  it('fails if the plaintext is over 4096 bytes', async () => {
    await expect(app.kms.send(new EncryptCommand({ KeyId: 'alias/app', Plaintext: new Uint8Array(4097) }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });
});
