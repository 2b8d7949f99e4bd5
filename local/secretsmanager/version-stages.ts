import { AwsError } from '../endpoint/aws-error.js';
import { type Input, invalidParameter, optionalText, stageList } from './secret-inputs.js';
import type { SecretRow, SecretsStore } from './secrets-store.js';

/**
 * What UpdateSecretVersionStage does, checked as AWS checks it: the label, and the version it
 * moves to (none: it is only taken off). The version that has the label must be named as
 * RemoveFromVersionId, and AWSCURRENT can be moved but not taken off.
 */
export function stageMove(store: SecretsStore, secret: SecretRow, input: Input): { stage: string; moveTo: string | undefined } {
  const stage = optionalText(input, 'VersionStage');
  if (stage === undefined || stageList([stage]) === undefined) throw invalidParameter('VersionStage is required.');
  const removeFrom = optionalText(input, 'RemoveFromVersionId');
  const moveTo = optionalText(input, 'MoveToVersionId');
  const holder = store.versionAt(secret.name, stage)?.version_id;
  if (moveTo !== undefined && !store.version(secret.name, moveTo)) {
    throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${moveTo}`);
  }
  if (removeFrom !== undefined && removeFrom !== holder) {
    throw invalidParameter(
      `The staging label ${stage} is not attached to version ${removeFrom}, so you can't remove it from that version.`,
    );
  }
  if (holder !== undefined && holder !== moveTo && removeFrom === undefined) {
    throw invalidParameter(
      `The staging label ${stage} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
    );
  }
  if (moveTo === undefined && stage === 'AWSCURRENT') {
    throw invalidParameter('You can only move staging label AWSCURRENT to a different secret version. It can’t be completely removed.');
  }
  return { stage, moveTo };
}

/**
 * ListSecretVersionIds' page: the versions in the order they were made, each with its labels; a
 * version with none (deprecated) only with IncludeDeprecated. MaxResults of them, NextToken the
 * next one's index.
 */
export function versionPage(store: SecretsStore, secret: SecretRow, input: Input): { Versions: unknown[]; NextToken?: string } {
  const stages = store.stages(secret.name);
  const all = store.versions(secret.name).filter((v) => input.IncludeDeprecated === true || stages.has(v.version_id));
  const start = input.NextToken === undefined || input.NextToken === null ? 0 : Number(input.NextToken);
  if (!Number.isInteger(start) || start < 0 || start > all.length) throw invalidParameter('The NextToken value is not valid.');
  const size = typeof input.MaxResults === 'number' && input.MaxResults > 0 ? input.MaxResults : all.length;
  return {
    Versions: all.slice(start, start + size).map((v) => ({
      VersionId: v.version_id,
      ...(stages.has(v.version_id) ? { VersionStages: stages.get(v.version_id) } : {}),
      ...(v.accessed_at === null ? {} : { LastAccessedDate: v.accessed_at / 1000 }),
      CreatedDate: v.created_at / 1000,
      KmsKeyIds: [secret.kms_key_id ?? 'DefaultEncryptionKey'],
    })),
    ...(start + size < all.length ? { NextToken: String(start + size) } : {}),
  };
}
