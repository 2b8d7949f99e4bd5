import { AwsError } from '../endpoint/aws-error.js';
import type { TagPair } from '../store/tag-store.js';
import { groupNotFound, missingParameter, subnetNotFound, vpcNotFound } from './ec2-errors.js';
import type { Ec2Store } from './ec2-store.js';
import { type Filter, type FilterFields, filtered } from './filters.js';

/**
 * EC2's tag operations over the store's tags (by resource id): CreateTags, DeleteTags and
 * DescribeTags, as the API reference documents them
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeTags.html).
 */

type Input = Readonly<Record<string, unknown>>;

/** A tag as DescribeTags answers it (`TagDescription`). */
export interface TagDescription {
  readonly ResourceId: string;
  readonly ResourceType: 'vpc' | 'subnet' | 'security-group';
  readonly Key: string;
  readonly Value: string;
}

const TAG_FILTERS: FilterFields<TagDescription> = {
  key: (tag) => [tag.Key],
  value: (tag) => [tag.Value],
  'resource-id': (tag) => [tag.ResourceId],
  'resource-type': (tag) => [tag.ResourceType],
};

/** DescribeTags' MaxResults: 5 to 1000 (the API reference's bounds); without one, every tag in one answer. */
const MAX_RESULTS = { min: 5, max: 1000 } as const;

/** The tags a CreateTags or DeleteTags call names (`Tag.N.Key`, `Tag.N.Value`). */
function givenTags(input: Input): { Key: string; Value?: string }[] {
  return (Array.isArray(input.Tags) ? input.Tags : []) as { Key: string; Value?: string }[];
}

/**
 * The ids a CreateTags or DeleteTags call names, each of a resource that exists.
 * @throws AwsError MissingParameter without one, the NotFound error of its kind for one that does not exist
 */
function taggedIds(store: Ec2Store, input: Input): string[] {
  const ids = Array.isArray(input.Resources) ? input.Resources.map(String) : [];
  if (ids.length === 0) throw missingParameter('ResourceId');
  for (const id of ids) if (store.tableOf(id)?.get(id) === undefined) throw notFoundById(id);
  return ids;
}

/** Adds the tags to every resource named (all or, if one does not exist, none), a key given again taking its new value. */
export function createTags(store: Ec2Store, input: Input): void {
  const given = givenTags(input);
  if (given.length === 0) throw missingParameter('Tag');
  const ids = taggedIds(store, input);
  const pairs = given.map((tag): TagPair => [String(tag.Key), String(tag.Value ?? '')]);
  store.atomically(() => {
    for (const id of ids) store.tags.tag(id, pairs);
  });
}

/** Removes tags from every resource named: a tag given with a value only when its value is that one, without one whatever its value; none given, all of them. */
export function deleteTags(store: Ec2Store, input: Input): void {
  const given = givenTags(input);
  const ids = taggedIds(store, input);
  store.atomically(() => {
    for (const id of ids) {
      const goes = store.tags
        .list(id)
        .filter(
          ([key, value]) => given.length === 0 || given.some((tag) => tag.Key === key && (tag.Value === undefined || tag.Value === value)),
        )
        .map(([key]) => key);
      store.tags.untag(id, goes);
    }
  });
}

/**
 * Every tag of the VPCs, subnets and groups, one entry each, by resource kind and id, filtered,
 * a page at a time when MaxResults is given (NextToken: where the next page starts).
 * @throws AwsError InvalidParameterValue for a MaxResults out of bounds or a filter it does not take, InvalidNextToken for a token it did not give
 */
export function describeTags(store: Ec2Store, input: Input): { Tags: TagDescription[]; NextToken?: string } {
  const kinds = [
    ['vpc', store.vpcs.entries()],
    ['subnet', store.subnets.entries()],
    ['security-group', store.groups.entries()],
  ] as const;
  const all = kinds.flatMap(([ResourceType, entries]) =>
    entries.flatMap(([ResourceId]) => store.tagsOf(ResourceId).map(({ Key, Value }) => ({ ResourceId, ResourceType, Key, Value }))),
  );
  const tags = filtered(all, input.Filters as Filter[] | undefined, TAG_FILTERS, (tag) => [{ Key: tag.Key, Value: tag.Value }]);
  if (input.MaxResults === undefined) return { Tags: tags };
  const max = Number(input.MaxResults);
  if (!Number.isInteger(max) || max < MAX_RESULTS.min || max > MAX_RESULTS.max) {
    throw new AwsError(
      'InvalidParameterValue',
      `Value ( ${String(input.MaxResults)} ) for parameter maxResults is invalid. Expecting a value between ${MAX_RESULTS.min} and ${MAX_RESULTS.max}.`,
    );
  }
  const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
  if (!Number.isInteger(start) || start < 0 || start > tags.length) {
    throw new AwsError('InvalidNextToken', `The NextToken '${String(input.NextToken)}' is not one DescribeTags gave.`);
  }
  const page = tags.slice(start, start + max);
  return { Tags: page, ...(start + max < tags.length ? { NextToken: String(start + max) } : {}) };
}

/** The NotFound error of the kind an id names (`vpc-`, `subnet-`, `sg-`). */
function notFoundById(id: string): AwsError {
  if (id.startsWith('vpc-')) return vpcNotFound(id);
  if (id.startsWith('subnet-')) return subnetNotFound(id);
  if (id.startsWith('sg-')) return groupNotFound(id);
  return new AwsError('InvalidID', `The ID '${id}' is not valid`);
}
