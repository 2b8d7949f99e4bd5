import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AwsError, validationError } from '../endpoint/aws-error.js';
import { tryParseArn } from '../names/arn.js';
import { type Operation, operationTable } from '../service-registry/operation-table.js';
import type { ServiceState } from '../store/service-state.js';
import type { TagPair } from '../store/tag-store.js';
import { partitionOf } from '../template/resolve.js';
import { KmsStore } from './kms-store.js';
import { awsManagedKeyDescription, awsManagedKeyId, MANAGED_KEYS_NAMED_BY_ARN } from './managed-keys.js';

/** A key the template declares (`AWS::KMS::Key`). */
export interface KeyDefinition {
  readonly keyId: string;
  readonly description?: string;
  readonly enabled: boolean;
  readonly keySpec: string;
  readonly keyUsage: string;
}

/** A key the template declares, with its Tags (the key's tags again at each start). */
export interface TemplateKey extends KeyDefinition {
  readonly tags: Readonly<Record<string, string>>;
}

/** An alias the template declares (`AWS::KMS::Alias`); the target is a key id or key ARN. */
export interface AliasDefinition {
  readonly name: string;
  readonly targetKeyId: string;
}

export interface KmsServiceOptions extends ServiceState {
  readonly keys: readonly TemplateKey[];
  readonly aliases: readonly AliasDefinition[];
}

interface Key extends KeyDefinition {
  readonly manager: 'CUSTOMER' | 'AWS';
}

const SYMMETRIC = 'SYMMETRIC_DEFAULT';
/** Ciphertext blob: version, key id (36 ASCII), IV (12), GCM tag (16), then the encrypted bytes. */
const BLOB_VERSION = 1;
const KEY_ID_LENGTH = 36;

/**
 * Key Management Service for what function code commonly calls: Encrypt, Decrypt,
 * GenerateDataKey(WithoutPlaintext), GenerateRandom, DescribeKey, ListKeys, ListAliases, and keys' tags
 * (TagResource, UntagResource, ListResourceTags, in the runtime's one tag store), over AWS JSON 1.1
 * (`TrentService.<Operation>`). Symmetric keys only, with real AES-256-GCM under key
 * material kept in the data folder; the encryption context is bound to the ciphertext, as
 * KMS binds it. Key policies and grants are not evaluated. AWS managed keys
 * (`alias/aws/<service>`) exist on first use, as on AWS.
 */
export class KmsService {
  readonly #store: KmsStore;
  readonly #keys = new Map<string, Key>();
  readonly #aliases = new Map<string, string>();

  constructor(private readonly options: KmsServiceOptions) {
    this.#store = new KmsStore(options.db);
    for (const { tags, ...key } of options.keys) {
      this.#keys.set(key.keyId, { ...key, manager: 'CUSTOMER' });
      this.#store.tags.replace(this.#arn(key.keyId), Object.entries(tags));
    }
    for (const alias of options.aliases) {
      const keyId = tryParseArn(alias.targetKeyId)?.resourceId ?? alias.targetKeyId;
      this.#aliases.set(alias.name, keyId);
    }
    for (const managed of this.#store.managedAliases()) this.#managedAlias(managed.alias);
    // A key the template no longer declares (nor an AWS managed key used before) takes its tags with it.
    for (const arn of this.#store.tags.arnsUnder(this.#arn(''))) {
      if (!this.#keys.has(arn.slice(this.#arn('').length))) this.#store.tags.forget(arn);
    }
  }

  /** The JSON-protocol operations the endpoint serves as `TrentService.<name>`. */
  get operations(): Record<string, Operation> {
    return operationTable(this, KmsService);
  }

  async Encrypt(input: { KeyId?: string; Plaintext?: string; EncryptionContext?: Record<string, string> }) {
    const key = this.#usableKey(input.KeyId);
    // Its length (1 to 4096 bytes) is checked against the API model before the operation runs.
    const plaintext = this.#blob(input.Plaintext, 'plaintext');
    return {
      CiphertextBlob: this.#encrypt(key, plaintext, input.EncryptionContext).toString('base64'),
      KeyId: this.#arn(key.keyId),
      EncryptionAlgorithm: SYMMETRIC,
    };
  }

  async Decrypt(input: {
    CiphertextBlob?: string;
    KeyId?: string;
    EncryptionContext?: Record<string, string>;
    EncryptionAlgorithm?: string;
  }) {
    const blob = this.#blob(input.CiphertextBlob, 'ciphertextBlob');
    if (blob.length < 1 + KEY_ID_LENGTH + 28 || blob[0] !== BLOB_VERSION) throw new AwsError('InvalidCiphertextException', '');
    const keyId = blob.subarray(1, 1 + KEY_ID_LENGTH).toString('ascii');
    if (input.KeyId !== undefined && this.#resolve(input.KeyId).keyId !== keyId) {
      throw new AwsError('IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.');
    }
    const key = this.#keys.get(keyId);
    if (key === undefined) throw new AwsError('InvalidCiphertextException', '');
    this.#checkUsable(key);
    const iv = blob.subarray(1 + KEY_ID_LENGTH, 13 + KEY_ID_LENGTH);
    const tag = blob.subarray(13 + KEY_ID_LENGTH, 29 + KEY_ID_LENGTH);
    const decipher = createDecipheriv('aes-256-gcm', this.#material(keyId), iv);
    decipher.setAAD(context(input.EncryptionContext));
    decipher.setAuthTag(tag);
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(blob.subarray(29 + KEY_ID_LENGTH)), decipher.final()]);
    } catch {
      // A changed ciphertext or a different encryption context: KMS says no more than this.
      throw new AwsError('InvalidCiphertextException', '');
    }
    return { KeyId: this.#arn(keyId), Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: SYMMETRIC };
  }

  async GenerateDataKey(input: { KeyId?: string; KeySpec?: string; NumberOfBytes?: number; EncryptionContext?: Record<string, string> }) {
    const key = this.#usableKey(input.KeyId);
    const plaintext = randomBytes(dataKeyLength(input.KeySpec, input.NumberOfBytes));
    return {
      CiphertextBlob: this.#encrypt(key, plaintext, input.EncryptionContext).toString('base64'),
      Plaintext: plaintext.toString('base64'),
      KeyId: this.#arn(key.keyId),
    };
  }

  async GenerateDataKeyWithoutPlaintext(input: {
    KeyId?: string;
    KeySpec?: string;
    NumberOfBytes?: number;
    EncryptionContext?: Record<string, string>;
  }) {
    const { CiphertextBlob, KeyId } = await this.GenerateDataKey(input);
    return { CiphertextBlob, KeyId };
  }

  async GenerateRandom(input: { NumberOfBytes?: number }) {
    // Its range (1 to 1024) is checked against the API model; the model does not require it, KMS does.
    const count = input.NumberOfBytes;
    if (count === undefined) {
      throw validationError(
        "1 validation error detected: Value 'null' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
      );
    }
    return { Plaintext: randomBytes(count).toString('base64') };
  }

  async DescribeKey(input: { KeyId?: string }) {
    const key = this.#resolve(input.KeyId);
    const { createdAt } = this.#store.material(key.keyId, this.options.clock.now());
    return {
      KeyMetadata: {
        AWSAccountId: this.options.accountId,
        KeyId: key.keyId,
        Arn: this.#arn(key.keyId),
        CreationDate: createdAt / 1000,
        Enabled: key.enabled,
        Description: key.description ?? '',
        KeyUsage: key.keyUsage,
        KeyState: key.enabled ? 'Enabled' : 'Disabled',
        Origin: 'AWS_KMS',
        KeyManager: key.manager,
        CustomerMasterKeySpec: key.keySpec,
        KeySpec: key.keySpec,
        ...(key.keySpec === SYMMETRIC ? { EncryptionAlgorithms: [SYMMETRIC] } : {}),
        // KMS names the key material in use (64 hex digits); one material per key here, named by the key and its creation.
        CurrentKeyMaterialId: createHash('sha256').update(`${key.keyId}/${createdAt}`).digest('hex'),
        MultiRegion: false,
      },
    };
  }

  async ListKeys(input: { Limit?: number; Marker?: string }) {
    const ids = [...this.#keys.keys()].sort();
    const { page, next } = paginate(ids, input.Limit, input.Marker);
    return {
      Keys: page.map((keyId) => ({ KeyId: keyId, KeyArn: this.#arn(keyId) })),
      Truncated: next !== undefined,
      ...(next ? { NextMarker: next } : {}),
    };
  }

  async ListAliases(input: { KeyId?: string; Limit?: number; Marker?: string }) {
    const filter = input.KeyId === undefined ? undefined : this.#resolve(input.KeyId).keyId;
    const entries = [...this.#aliases.entries()]
      .filter(([, keyId]) => filter === undefined || keyId === filter)
      .sort(([a], [b]) => a.localeCompare(b));
    const { page, next } = paginate(entries, input.Limit, input.Marker);
    return {
      Aliases: page.map(([name, keyId]) => ({
        AliasName: name,
        AliasArn: `arn:${partitionOf(this.options.region)}:kms:${this.options.region}:${this.options.accountId}:${name}`,
        TargetKeyId: keyId,
      })),
      Truncated: next !== undefined,
      ...(next ? { NextMarker: next } : {}),
    };
  }

  /** Adds tags to a customer managed key, a key given again taking its new value. */
  async TagResource(input: { KeyId?: string; Tags?: { TagKey: string; TagValue: string }[] }) {
    const pairs = (input.Tags ?? []).map((tag): TagPair => [tag.TagKey, tag.TagValue]);
    this.#store.tags.tag(this.#tagged(input.KeyId), pairs);
    return {};
  }

  /** Removes the tags of these keys; a tag key the KMS key does not have is no error. */
  async UntagResource(input: { KeyId?: string; TagKeys?: string[] }) {
    this.#store.tags.untag(this.#tagged(input.KeyId), input.TagKeys ?? []);
    return {};
  }

  async ListResourceTags(input: { KeyId?: string; Limit?: number; Marker?: string }) {
    const tags = this.#store.tags.list(this.#tagged(input.KeyId));
    const { page, next } = paginate(tags, input.Limit, input.Marker);
    return {
      Tags: page.map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
      Truncated: next !== undefined,
      ...(next ? { NextMarker: next } : {}),
    };
  }

  /**
   * The ARN a tag operation's KeyId names: a key id or key ARN (not an alias: KMS's tag
   * operations take the key, https://docs.aws.amazon.com/kms/latest/APIReference/API_TagResource.html).
   * @throws AwsError NotFoundException for a key that does not exist or an alias
   */
  #tagged(reference: string | undefined): string {
    if (reference !== undefined && /^(arn:[^:]+:kms:[^:]*:\d*:)?alias\//.test(reference)) {
      throw new AwsError('NotFoundException', `${reference} is an alias: tags are the key's, named by its key id or key ARN.`);
    }
    return this.#arn(this.#resolve(reference).keyId);
  }

  /**
   * The ARN of the customer managed key an id, key ARN, alias name or alias ARN names; undefined
   * for an AWS managed key (its key policy lets every principal of the account use it through
   * the service) or a key that does not exist (the call fails on that before any IAM check).
   */
  customerKeyArn(reference: string): string | undefined {
    try {
      const key = this.#resolve(reference);
      return key.manager === 'CUSTOMER' ? this.#arn(key.keyId) : undefined;
    } catch {
      // A key that does not exist is not an authorization the check can make: the operation fails on it.
      return undefined;
    }
  }

  /** A key by id, key ARN, alias name or alias ARN. */
  #resolve(reference: string | undefined): Key {
    if (typeof reference !== 'string' || reference === '') {
      throw validationError("1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null");
    }
    const tail = reference.startsWith('arn:') ? (tryParseArn(reference)?.resource ?? '') : reference;
    if (tail.startsWith('alias/')) {
      const keyId = this.#aliases.get(tail) ?? this.#managedAlias(tail);
      const key = keyId === undefined ? undefined : this.#keys.get(keyId);
      if (key === undefined) throw new AwsError('NotFoundException', `Alias ${this.#arnOf(tail)} is not found.`);
      return key;
    }
    const keyId = tail.startsWith('key/') ? tail.slice(4) : tail;
    const named = MANAGED_KEYS_NAMED_BY_ARN.find((alias) => awsManagedKeyId(this.options.accountId, this.options.region, alias) === keyId);
    if (!this.#keys.has(keyId) && named) this.#managedAlias(named);
    const key = this.#keys.get(keyId);
    if (key === undefined) throw new AwsError('NotFoundException', `Key '${this.#arn(keyId)}' does not exist`);
    return key;
  }

  /** AWS managed keys (`alias/aws/sqs`, ...) come into being on first use. */
  #managedAlias(alias: string): string | undefined {
    if (!/^alias\/aws\/[A-Za-z0-9-]+$/.test(alias)) return undefined;
    const keyId = awsManagedKeyId(this.options.accountId, this.options.region, alias);
    this.#keys.set(keyId, {
      keyId,
      description: awsManagedKeyDescription(alias),
      enabled: true,
      keySpec: SYMMETRIC,
      keyUsage: 'ENCRYPT_DECRYPT',
      manager: 'AWS',
    });
    this.#aliases.set(alias, keyId);
    this.#store.addManagedAlias(alias, keyId);
    return keyId;
  }

  #usableKey(reference: string | undefined): Key {
    const key = this.#resolve(reference);
    this.#checkUsable(key);
    return key;
  }

  #checkUsable(key: Key): void {
    if (!key.enabled) throw new AwsError('DisabledException', `${this.#arn(key.keyId)} is disabled.`);
    if (key.keySpec !== SYMMETRIC || key.keyUsage !== 'ENCRYPT_DECRYPT') {
      throw new AwsError(
        'InvalidKeyUsageException',
        `${this.#arn(key.keyId)} key usage is ${key.keyUsage} with key spec ${key.keySpec}; the local KMS encrypts with symmetric ENCRYPT_DECRYPT keys only`,
      );
    }
  }

  #encrypt(key: Key, plaintext: Buffer, encryptionContext: Record<string, string> | undefined): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#material(key.keyId), iv);
    cipher.setAAD(context(encryptionContext));
    const encrypted = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([BLOB_VERSION]), Buffer.from(key.keyId, 'ascii'), iv, cipher.getAuthTag(), encrypted]);
  }

  #material(keyId: string): Buffer {
    return this.#store.material(keyId, this.options.clock.now()).material;
  }

  #blob(value: string | undefined, member: string): Buffer {
    if (typeof value !== 'string') {
      throw validationError(`1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);
    }
    return Buffer.from(value, 'base64');
  }

  #arn(keyId: string): string {
    return this.#arnOf(`key/${keyId}`);
  }

  #arnOf(resource: string): string {
    return `arn:${partitionOf(this.options.region)}:kms:${this.options.region}:${this.options.accountId}:${resource}`;
  }
}

/** The encryption context as authenticated data: the same pairs in any order give the same bytes. */
function context(encryptionContext: Record<string, string> | undefined): Buffer {
  const pairs = Object.entries(encryptionContext ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(pairs));
}

function dataKeyLength(keySpec: string | undefined, numberOfBytes: number | undefined): number {
  if (keySpec !== undefined && numberOfBytes !== undefined) {
    throw validationError('Please specify either number of bytes or key spec.');
  }
  if (keySpec === 'AES_256') return 32;
  // The key spec's enum and the number's range (1 to 1024) are checked against the API model.
  if (keySpec === 'AES_128') return 16;
  if (numberOfBytes === undefined) throw validationError('Please specify either number of bytes or key spec.');
  return numberOfBytes;
}

function paginate<T>(items: readonly T[], limit: number | undefined, marker: string | undefined): { page: T[]; next?: string } {
  // Limit's range (1 to 1000) is checked against the API model.
  const size = limit ?? 100;
  const start =
    marker === undefined ? 0 : typeof marker === 'string' ? Number.parseInt(Buffer.from(marker, 'base64').toString('utf8'), 10) : -1;
  if (!Number.isInteger(start) || start < 0) throw new AwsError('InvalidMarkerException', 'The marker is not valid.');
  const end = start + size;
  return { page: items.slice(start, end), ...(end < items.length ? { next: Buffer.from(String(end)).toString('base64') } : {}) };
}
