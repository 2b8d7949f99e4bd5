import type { LoadedApp, LoadedResource } from '../../template/load.js';
import type { Json } from '../../template/resolve.js';
import type { ChunkingConfiguration } from './chunking.js';

/** A knowledge base as GetKnowledgeBase answers it (its dates aside). */
export interface KnowledgeBase {
  readonly knowledgeBaseId: string;
  readonly knowledgeBaseArn: string;
  readonly name: string;
  readonly description?: string;
  readonly roleArn?: string;
  readonly knowledgeBaseConfiguration: {
    readonly type: string;
    readonly vectorKnowledgeBaseConfiguration?: {
      readonly embeddingModelArn: string;
      readonly embeddingModelConfiguration?: {
        readonly bedrockEmbeddingModelConfiguration?: { readonly dimensions?: number; readonly embeddingDataType?: string };
      };
    };
  };
  readonly storageConfiguration?: { readonly type: string; readonly [configuration: string]: unknown };
  /** When the API created it (clock milliseconds); the template's have none. */
  readonly createdAt?: number;
}

/** A data source as GetDataSource answers it (its dates aside). */
export interface DataSource {
  readonly knowledgeBaseId: string;
  readonly dataSourceId: string;
  readonly name: string;
  readonly description?: string;
  readonly dataDeletionPolicy?: string;
  readonly dataSourceConfiguration: {
    readonly type: string;
    readonly s3Configuration?: {
      readonly bucketArn: string;
      readonly inclusionPrefixes?: readonly string[];
      readonly bucketOwnerAccountId?: string;
    };
  };
  readonly vectorIngestionConfiguration?: { readonly chunkingConfiguration?: ChunkingConfiguration; readonly [other: string]: unknown };
  /** When the API created it (clock milliseconds); the template's have none. */
  readonly createdAt?: number;
}

/** What the template declares: its knowledge bases and their data sources. */
export interface KnowledgeBaseDefinitions {
  readonly knowledgeBases: readonly KnowledgeBase[];
  readonly dataSources: readonly DataSource[];
  /** Each knowledge base's template Tags (CloudFormation's map of key to value), by its ARN: its tags again at each start. */
  readonly tags: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** CloudFormation's PascalCase property names as the API's camelCase members (`S3Configuration` is `s3Configuration`). */
function camelKeys(value: Json): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key.charAt(0).toLowerCase() + key.slice(1), camelKeys(item)]));
}

/** The knowledge bases and data sources of the app's templates, in the API's shapes. */
export function knowledgeBaseDefinitions(app: LoadedApp): KnowledgeBaseDefinitions {
  const resources = app.stacks.flatMap((stack) => stack.resources);
  const ofType = (type: string) => resources.filter((resource) => resource.type === type);
  // Tags are not part of Get's answer (and their keys are the user's, not to be camelCased).
  const api = ({ properties: { Tags: _, ...properties } }: LoadedResource) => camelKeys(properties) as Record<string, unknown>;
  const tags = new Map<string, Record<string, string>>();
  return {
    tags,
    knowledgeBases: ofType('AWS::Bedrock::KnowledgeBase').map((resource) => {
      const given = resource.properties.Tags;
      const map = typeof given === 'object' && given !== null && !Array.isArray(given) ? given : {};
      tags.set(
        resource.attributes.KnowledgeBaseArn ?? '',
        Object.fromEntries(Object.entries(map).map(([key, value]) => [key, String(value)])),
      );
      const properties = api(resource);
      return {
        ...(properties as Omit<KnowledgeBase, 'knowledgeBaseId' | 'knowledgeBaseArn'>),
        name: String(properties.name ?? resource.physicalName),
        knowledgeBaseId: resource.attributes.KnowledgeBaseId ?? resource.ref,
        knowledgeBaseArn: resource.attributes.KnowledgeBaseArn ?? '',
      };
    }),
    dataSources: ofType('AWS::Bedrock::DataSource').map((resource) => {
      const properties = api(resource);
      return {
        ...(properties as Omit<DataSource, 'dataSourceId'>),
        name: String(properties.name ?? resource.physicalName),
        dataSourceId: resource.attributes.DataSourceId ?? resource.ref,
      };
    }),
  };
}
