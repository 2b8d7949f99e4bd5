import { AwsError, validationError } from '../endpoint/aws-error.js';
import { parseReference } from './names.js';
import type { SsmContext, Tag } from './ssm-context.js';

const MAX_TAGS = 50;

/** Tags on parameters, the only resources the local SSM has. */
export class ParameterTags {
  constructor(private readonly context: SsmContext) {}

  addTagsToResource(input: { ResourceType?: string; ResourceId?: string; Tags?: Tag[] }): Record<string, never> {
    const { store } = this.context;
    const name = this.#taggable(input.ResourceType, input.ResourceId);
    const tags = input.Tags ?? [];
    if (tags.some((tag) => /^aws:/i.test(tag.Key))) throw validationError('Tag keys beginning with aws: are reserved for AWS use.');
    store.setTags(name, tags);
    if (store.tags(name).length > MAX_TAGS) {
      // Counted after the write: a key already there is replaced, not added.
      store.removeTags(
        name,
        tags.map((tag) => tag.Key),
      );
      throw new AwsError(
        'TooManyTagsError',
        'The Targets parameter includes too many tags. Remove one or more tags and try the command again.',
      );
    }
    return {};
  }

  removeTagsFromResource(input: { ResourceType?: string; ResourceId?: string; TagKeys?: string[] }): Record<string, never> {
    this.context.store.removeTags(this.#taggable(input.ResourceType, input.ResourceId), input.TagKeys ?? []);
    return {};
  }

  listTagsForResource(input: { ResourceType?: string; ResourceId?: string }): { TagList: Tag[] } {
    return { TagList: this.context.store.tags(this.#taggable(input.ResourceType, input.ResourceId)) };
  }

  /** The parameter a tagging call names. */
  #taggable(resourceType: string | undefined, resourceId: string | undefined): string {
    if (resourceType !== 'Parameter') {
      throw new AwsError('InvalidResourceType', `The resource type ${resourceType} is not supported locally; only Parameter is.`);
    }
    const row = this.context.find(parseReference(String(resourceId ?? '')).name);
    if (row === undefined)
      throw new AwsError('InvalidResourceId', 'The resource ID is not valid. Verify that you entered the correct ID and try again.');
    return row.name;
  }
}
