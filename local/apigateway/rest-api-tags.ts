import { badRequest } from './rest-api-checks.js';
import type { RestApiControl } from './rest-api-control.js';

/** A REST API's ARN, the one resource of API Gateway's v1 API whose tags it keeps: `arn:aws:apigateway:<region>::/restapis/<id>`. */
const REST_API_ARN = /^arn:aws:apigateway:[a-z0-9-]+::\/restapis\/([^/]+)$/;

/**
 * API Gateway's tag operations on the REST APIs its API made: TagResource, UntagResource and
 * GetTags (https://docs.aws.amazon.com/apigateway/latest/api/API_TagResource.html), over the
 * store's tags, by the API's ARN.
 */
export class RestApiTags {
  constructor(private readonly control: RestApiControl) {}

  /** Adds tags to a REST API, a key given again taking its new value. */
  async TagResource({ resourceArn, tags }: { resourceArn: string; tags: Record<string, string> }) {
    this.control.store.tags.tag(this.#tagged(resourceArn), Object.entries(tags));
    return {};
  }

  /** Removes the tags of these keys; a key the API does not have is no error. */
  async UntagResource({ resourceArn, tagKeys }: { resourceArn: string; tagKeys: string[] }) {
    this.control.store.tags.untag(this.#tagged(resourceArn), tagKeys);
    return {};
  }

  /** The API's tags, all at once (AWS's `position` and `limit` are "not currently supported"). */
  async GetTags({ resourceArn }: { resourceArn: string }) {
    return { tags: this.control.store.tags.map(this.#tagged(resourceArn)) };
  }

  /**
   * The ARN a tag operation names, of a REST API that exists.
   * @throws AwsError BadRequestException for an ARN that names no REST API, NotFoundException (GetRestApi's) for one that does not exist
   */
  #tagged(arn: string): string {
    const id = REST_API_ARN.exec(arn)?.[1];
    if (id === undefined) {
      throw badRequest(
        `Invalid ARN ${arn}: the local API Gateway tags REST APIs, arn:aws:apigateway:<region>::/restapis/<restApiId> (docs/local-runtime/apigateway.md)`,
      );
    }
    this.control.apiOf(id);
    return this.control.store.arnOf(id);
  }
}
