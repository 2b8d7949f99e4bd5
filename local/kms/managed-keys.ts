import { partitionOf, stableUuid } from '../template/resolve.js';

/**
 * AWS managed keys (`alias/aws/<service>`): a key's id is derived from its account, region and
 * alias, so a service that names the key by its ARN (DynamoDB's `SSEDescription`) names the key
 * KMS then describes, whichever of the two comes first.
 */

/** The key id of the AWS managed key with this alias. */
export function awsManagedKeyId(accountId: string, region: string, alias: string): string {
  return stableUuid(`${accountId}/${region}/${alias}`);
}

/** The ARN of the AWS managed key with this alias. */
export function awsManagedKeyArn(accountId: string, region: string, alias: string): string {
  return `arn:${partitionOf(region)}:kms:${region}:${accountId}:key/${awsManagedKeyId(accountId, region, alias)}`;
}

/** The managed keys a service names by ARN before anyone uses their alias: KMS knows them by id too. */
export const MANAGED_KEYS_NAMED_BY_ARN: readonly string[] = ['alias/aws/dynamodb'];

/** How AWS names a service in its managed key's description (the service's name in upper case where not listed). */
const SERVICE_NAMES: Readonly<Record<string, string>> = { dynamodb: 'DynamoDB' };

/** AWS's description of a managed key. */
export function awsManagedKeyDescription(alias: string): string {
  const service = alias.slice('alias/aws/'.length);
  return `Default key that protects my ${SERVICE_NAMES[service] ?? service.toUpperCase()} data when no other key is defined`;
}
