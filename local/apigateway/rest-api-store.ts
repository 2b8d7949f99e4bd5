import type { DatabaseSync } from 'node:sqlite';
import { JsonTable } from '../store/json-table.js';
import { type TagPair, TagStore } from '../store/tag-store.js';
import { inTransaction } from '../store/transaction.js';

/**
 * What API Gateway's control plane keeps of a REST API made through it (CreateRestApi,
 * CreateResource, PutMethod, ...), in the API's own shapes (what GetMethod and GetResources
 * answer): its resources with their methods as they are now, each deployment's copy of them
 * as CreateDeployment took it, and its stages. rest-api-cloudformation.ts makes a deployment
 * the same RestApiDefinition the template's APIs are served from.
 */

/** An integration response (PutIntegrationResponse), as GetIntegrationResponse answers it. */
export interface StoredIntegrationResponse {
  readonly statusCode: string;
  readonly selectionPattern?: string;
  readonly responseParameters?: Readonly<Record<string, string>>;
  readonly responseTemplates?: Readonly<Record<string, string | null>>;
  readonly contentHandling?: string;
}

/** A method's integration (PutIntegration), as GetIntegration answers it. */
export interface StoredIntegration {
  readonly type: string;
  /** The integration's own HTTP method (`integrationHttpMethod` of PutIntegration). */
  readonly httpMethod?: string;
  readonly uri?: string;
  readonly connectionType?: string;
  readonly connectionId?: string;
  readonly credentials?: string;
  readonly requestParameters?: Readonly<Record<string, string>>;
  readonly requestTemplates?: Readonly<Record<string, string>>;
  readonly passthroughBehavior: string;
  readonly contentHandling?: string;
  readonly timeoutInMillis: number;
  readonly cacheNamespace: string;
  readonly cacheKeyParameters: readonly string[];
  readonly integrationResponses?: Readonly<Record<string, StoredIntegrationResponse>>;
}

/** A method response (PutMethodResponse). */
export interface StoredMethodResponse {
  readonly statusCode: string;
  readonly responseParameters?: Readonly<Record<string, boolean>>;
  readonly responseModels?: Readonly<Record<string, string>>;
}

/** A method (PutMethod), as GetMethod answers it. */
export interface StoredMethod {
  readonly httpMethod: string;
  readonly authorizationType: string;
  readonly authorizerId?: string;
  readonly apiKeyRequired: boolean;
  readonly requestValidatorId?: string;
  readonly operationName?: string;
  readonly requestParameters?: Readonly<Record<string, boolean>>;
  readonly requestModels?: Readonly<Record<string, string>>;
  readonly authorizationScopes?: readonly string[];
  readonly methodResponses?: Readonly<Record<string, StoredMethodResponse>>;
  readonly methodIntegration?: StoredIntegration;
}

/** A resource of the tree; the root has neither parent nor path part. */
export interface StoredResource {
  readonly id: string;
  readonly parentId?: string;
  readonly pathPart?: string;
  readonly resourceMethods?: Readonly<Record<string, StoredMethod>>;
}

/** A deployment: the API's resources and methods as they were when it was made. */
export interface StoredDeployment {
  readonly id: string;
  readonly description?: string;
  readonly createdDate: number;
  readonly resources: readonly StoredResource[];
  /** The API's request validators when it was made (absent in deployments kept before they were). */
  readonly requestValidators?: readonly StoredRequestValidator[];
  /** The API's models when it was made (likewise). */
  readonly models?: readonly StoredModel[];
}

export interface StoredStage {
  readonly stageName: string;
  readonly deploymentId: string;
  readonly description?: string;
  readonly variables?: Readonly<Record<string, string>>;
  readonly tracingEnabled: boolean;
  readonly createdDate: number;
  readonly lastUpdatedDate: number;
}

/** A request validator (CreateRequestValidator), as GetRequestValidator answers it. */
export interface StoredRequestValidator {
  readonly id: string;
  readonly name: string;
  readonly validateRequestBody: boolean;
  readonly validateRequestParameters: boolean;
}

/** A model (CreateModel), as GetModel answers it: its schema as the text it was given. */
export interface StoredModel {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly contentType: string;
  readonly schema?: string;
}

/** The RestApi as GetRestApi answers it (dates in epoch milliseconds). */
export interface StoredRestApiProperties {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly version?: string;
  readonly createdDate: number;
  readonly binaryMediaTypes?: readonly string[];
  readonly minimumCompressionSize?: number;
  readonly apiKeySource: string;
  readonly endpointConfiguration: { readonly types: readonly string[]; readonly ipAddressType: string };
  readonly policy?: string;
  readonly disableExecuteApiEndpoint: boolean;
  readonly rootResourceId: string;
}

export interface StoredRestApi {
  readonly api: StoredRestApiProperties;
  /** The tree as it is now, the root first, each resource after its parent. */
  readonly resources: readonly StoredResource[];
  readonly deployments: readonly StoredDeployment[];
  readonly stages: readonly StoredStage[];
  /** Absent in what was kept before validators were made through the API. */
  readonly requestValidators?: readonly StoredRequestValidator[];
  /** Its models, `Empty` and `Error` among them (absent in what was kept before models were made through the API). */
  readonly models?: readonly StoredModel[];
}

/** The ARN of a REST API, as API Gateway names it for tags and IAM: no account, the API's path. */
export const restApiArn = (region: string, restApiId: string): string => `arn:aws:apigateway:${region}::/restapis/${restApiId}`;

/** The REST APIs API Gateway's API made, in SQLite, so that they outlive a restart as the functions Lambda's API made do. */
export class RestApiStore {
  readonly #table: JsonTable<StoredRestApi>;
  /** The REST APIs' tags, by the API's ARN (restApiArn): a deleted API's go with it. */
  readonly tags: TagStore;

  /** `region`: the ARNs' (an earlier version's tags are moved under their API's ARN). */
  constructor(
    private readonly db: DatabaseSync,
    private readonly region: string,
  ) {
    this.#table = new JsonTable(db, 'api_rest_apis', 'id');
    // Before the TagStore, each API's record held its `tags` map in its `api` properties.
    this.tags = new TagStore(db, {
      table: 'api_rest_apis',
      keyColumn: 'id',
      embedded: (document) => {
        const stored = document as { api: Record<string, unknown> & { id: string; tags?: Record<string, string> } };
        const { tags, ...api } = stored.api;
        return tags === undefined
          ? undefined
          : { arn: restApiArn(region, api.id), pairs: Object.entries(tags), without: { ...stored, api } };
      },
    });
  }

  all(): StoredRestApi[] {
    return this.#table.all();
  }

  get(id: string): StoredRestApi | undefined {
    return this.#table.get(id);
  }

  save(api: StoredRestApi): void {
    this.#table.put(api.api.id, api);
  }

  /** Keeps a new API with its tags: both or, if one fails, neither. */
  create(api: StoredRestApi, tags: Iterable<TagPair>): void {
    inTransaction(this.db, () => {
      this.save(api);
      this.tags.tag(this.arnOf(api.api.id), tags);
    });
  }

  /** The ARN an API's tags are kept by. */
  arnOf(id: string): string {
    return restApiArn(this.region, id);
  }

  /** Deletes an API with its tags: one made again under its ARN starts untagged. */
  delete(id: string): void {
    inTransaction(this.db, () => {
      this.#table.delete(id);
      this.tags.forget(this.arnOf(id));
    });
  }
}
