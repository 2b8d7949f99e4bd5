import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { AwsError, validationError } from '../../endpoint/aws-error.js';
import type { S3Service } from '../../s3/s3-service.js';
import { type AsyncJob, AsyncJobs } from '../../store/async-jobs.js';
import { JsonTable } from '../../store/json-table.js';
import type { OutboxHandlerError } from '../../store/outbox.js';
import { TagStore } from '../../store/tag-store.js';
import type { Clock } from '../../time/clock.js';
import type { BedrockService } from '../bedrock-service.js';
import type { DataSource, KnowledgeBase, KnowledgeBaseDefinitions } from './definitions.js';
import { Embedder } from './embedder.js';
import { type IngestionResult, ingestDataSource } from './ingestion.js';
import { type Match, type RetrievalFilter, VectorIndex } from './vector-index.js';

export interface KnowledgeBaseServiceOptions {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly region: string;
  readonly accountId: string;
  readonly definitions: KnowledgeBaseDefinitions;
  readonly s3: () => S3Service;
  readonly bedrock: BedrockService;
  readonly onError: (error: OutboxHandlerError) => void;
}

/** What an ingestion job was asked to do. */
export interface IngestionInput {
  readonly knowledgeBaseId: string;
  readonly dataSourceId: string;
  readonly description?: string;
}

export type IngestionJob = AsyncJob<IngestionInput, IngestionResult>;

/** A job's time waiting its turn (STARTING) and working (IN_PROGRESS) on the runtime's clock: a local ingestion of a few documents. */
const INGESTION_TIMING = { queuedMs: 200, runMs: 800 };

/** The knowledge bases served beside each Bedrock service (its module sets them): the start-up report and Step Functions' tasks find them here. */
export const KNOWLEDGE_BASES = new WeakMap<BedrockService, KnowledgeBaseService>();

/** Bedrock Agent Runtime's text for an id that names nothing. */
export const NOT_FOUND_TEXT =
  "Failed to retrieve resource because it doesn't exist. Retry the request with a different resource identifier.";
/** A knowledge base's or data source's id as Bedrock makes them: 10 upper-case letters and digits. */
const newId = () => randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase();

const fromTemplate = (what: string) =>
  validationError(`The ${what} is declared by the app's template: the local runtime deletes only what the API created.`);

const notFound = () => new AwsError('ResourceNotFoundException', NOT_FOUND_TEXT, 404);

/**
 * The template's knowledge bases and their S3 data sources: ingestion jobs (AsyncJobs: on
 * the clock, kept across restarts) that read, chunk and embed the documents into the local
 * vector index, and retrieval by similarity over it.
 */
export class KnowledgeBaseService {
  readonly index: VectorIndex;
  readonly jobs: AsyncJobs<IngestionInput, IngestionResult>;
  readonly #embedders = new Map<string, Embedder>();
  /** What the API created (CreateKnowledgeBase, CreateDataSource), kept across restarts beside the template's. */
  readonly #created: { readonly knowledgeBases: JsonTable<KnowledgeBase>; readonly dataSources: JsonTable<DataSource> };
  /** Knowledge bases' tags, by the knowledge base's ARN (the template's: their Tags at each start; a deleted one's go). */
  readonly tags: TagStore;

  constructor(private readonly options: KnowledgeBaseServiceOptions) {
    this.index = new VectorIndex(options.db);
    this.#created = {
      knowledgeBases: new JsonTable(options.db, 'kb_created_knowledge_bases', 'arn'),
      dataSources: new JsonTable(options.db, 'kb_created_data_sources', 'arn'),
    };
    this.tags = new TagStore(options.db);
    const arns = new Set(this.knowledgeBases.map((kb) => kb.knowledgeBaseArn));
    // A knowledge base the template no longer declares (nor the API made) takes its tags with it.
    for (const arn of this.tags.arnsUnder(this.#arn(''))) if (!arns.has(arn)) this.tags.forget(arn);
    for (const [arn, tags] of options.definitions.tags) this.tags.replace(arn, Object.entries(tags));
    this.jobs = new AsyncJobs({
      db: options.db,
      clock: options.clock,
      table: 'kb_ingestion_jobs',
      run: (job) =>
        ingestDataSource(this.dataSource(job.input.knowledgeBaseId, job.input.dataSourceId), this.#deps(job.input.knowledgeBaseId)),
      onError: options.onError,
    });
  }

  start(): void {
    this.jobs.start();
  }

  #arn(knowledgeBaseId: string): string {
    return `arn:aws:bedrock:${this.options.region}:${this.options.accountId}:knowledge-base/${knowledgeBaseId}`;
  }

  stop(): Promise<void> {
    return this.jobs.stop();
  }

  /** The template's knowledge bases, then those the API created. */
  get knowledgeBases(): readonly KnowledgeBase[] {
    return [...this.options.definitions.knowledgeBases, ...this.#created.knowledgeBases.all()];
  }

  /** The knowledge base; else ResourceNotFoundException. */
  knowledgeBase(id: string): KnowledgeBase {
    return this.knowledgeBases.find((kb) => kb.knowledgeBaseId === id) ?? this.#missing();
  }

  dataSources(knowledgeBaseId: string): DataSource[] {
    this.knowledgeBase(knowledgeBaseId);
    return [...this.options.definitions.dataSources, ...this.#created.dataSources.all()].filter(
      (ds) => ds.knowledgeBaseId === knowledgeBaseId,
    );
  }

  /** CreateKnowledgeBase: a VECTOR knowledge base on an embedding model the local Bedrock answers (else ValidationException). */
  createKnowledgeBase(
    properties: Omit<KnowledgeBase, 'knowledgeBaseId' | 'knowledgeBaseArn' | 'createdAt'>,
    tags: Readonly<Record<string, string>> = {},
  ): KnowledgeBase {
    if (this.knowledgeBases.some((kb) => kb.name === properties.name)) {
      throw new AwsError('ConflictException', `A knowledge base named ${properties.name} already exists.`, 409);
    }
    const knowledgeBaseId = newId();
    const kb: KnowledgeBase = {
      ...properties,
      knowledgeBaseId,
      knowledgeBaseArn: this.#arn(knowledgeBaseId),
      createdAt: this.options.clock.now(),
    };
    this.#created.knowledgeBases.put(kb.knowledgeBaseArn, kb);
    try {
      this.#embedder(knowledgeBaseId);
    } catch (error) {
      this.#created.knowledgeBases.delete(kb.knowledgeBaseArn);
      throw error;
    }
    this.tags.tag(kb.knowledgeBaseArn, Object.entries(tags));
    return kb;
  }

  /** CreateDataSource on a knowledge base (the template's or the API's). */
  createDataSource(properties: Omit<DataSource, 'dataSourceId' | 'createdAt'>): DataSource {
    this.knowledgeBase(properties.knowledgeBaseId);
    const dataSource: DataSource = { ...properties, dataSourceId: newId(), createdAt: this.options.clock.now() };
    this.#created.dataSources.put(this.#dataSourceKey(dataSource), dataSource);
    return dataSource;
  }

  /** DeleteKnowledgeBase of one the API created, with its data sources and their chunks; the template's stay (ValidationException). */
  deleteKnowledgeBase(knowledgeBaseId: string): void {
    const kb = this.knowledgeBase(knowledgeBaseId);
    if (this.#created.knowledgeBases.get(kb.knowledgeBaseArn) === undefined) throw fromTemplate(`knowledge base ${kb.name}`);
    for (const dataSource of this.dataSources(knowledgeBaseId)) this.deleteDataSource(knowledgeBaseId, dataSource.dataSourceId);
    this.#created.knowledgeBases.delete(kb.knowledgeBaseArn);
    this.tags.forget(kb.knowledgeBaseArn);
    this.#embedders.delete(knowledgeBaseId);
  }

  /** DeleteDataSource of one the API created, and its chunks; the template's stay (ValidationException). */
  deleteDataSource(knowledgeBaseId: string, dataSourceId: string): void {
    const dataSource = this.dataSource(knowledgeBaseId, dataSourceId);
    if (this.#created.dataSources.get(this.#dataSourceKey(dataSource)) === undefined) throw fromTemplate(`data source ${dataSource.name}`);
    this.index.dropDataSource(dataSourceId);
    this.#created.dataSources.delete(this.#dataSourceKey(dataSource));
  }

  /** A data source's key in its table: its knowledge base's ARN and its id (data sources have no ARN of their own). */
  #dataSourceKey(dataSource: DataSource): string {
    return `${this.knowledgeBase(dataSource.knowledgeBaseId).knowledgeBaseArn}/data-source/${dataSource.dataSourceId}`;
  }

  dataSource(knowledgeBaseId: string, dataSourceId: string): DataSource {
    return this.dataSources(knowledgeBaseId).find((ds) => ds.dataSourceId === dataSourceId) ?? this.#missing();
  }

  /** Accepts an ingestion of the data source (the same client token: the same job). */
  startIngestion(input: IngestionInput, clientToken: string | undefined): IngestionJob {
    const dataSource = this.dataSource(input.knowledgeBaseId, input.dataSourceId);
    if (dataSource.dataSourceConfiguration.type !== 'S3') {
      throw validationError(
        `The local runtime ingests S3 data sources; ${dataSource.name} is of type ${dataSource.dataSourceConfiguration.type}.`,
      );
    }
    this.#embedder(input.knowledgeBaseId);
    const { job } = this.jobs.submit(
      {
        id: randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase(),
        kind: input.dataSourceId,
        input,
        ...(clientToken ? { token: clientToken } : {}),
      },
      INGESTION_TIMING,
    );
    return job;
  }

  ingestion(knowledgeBaseId: string, dataSourceId: string, jobId: string): IngestionJob {
    this.dataSource(knowledgeBaseId, dataSourceId);
    const job = this.jobs.find(jobId);
    if (job === undefined || job.kind !== dataSourceId) throw notFound();
    return job;
  }

  ingestions(knowledgeBaseId: string, dataSourceId: string): IngestionJob[] {
    this.dataSource(knowledgeBaseId, dataSourceId);
    return this.jobs.list(dataSourceId);
  }

  /** The chunks closest to the query, best first. */
  async retrieve(knowledgeBaseId: string, query: string, count: number, filter?: RetrievalFilter): Promise<Match[]> {
    this.knowledgeBase(knowledgeBaseId);
    const vector = await this.#embedder(knowledgeBaseId).embed(query, 'query');
    return this.index.search(knowledgeBaseId, vector, count, filter);
  }

  /** The start-up report's lines: each knowledge base, and that one local index serves them whatever their storage. */
  describe(): string[] {
    return this.knowledgeBases.map((kb) => {
      // ListDataSources' own list: the template's and those the API created (kept across restarts), not the template's alone.
      const sources = this.dataSources(kb.knowledgeBaseId).length;
      const storage = kb.storageConfiguration?.type;
      const store =
        storage === undefined
          ? 'it names no vector store: the local vector index (knowledge-bases.sqlite) serves it'
          : `its ${storage} vector store is the local vector index (knowledge-bases.sqlite)`;
      return `  knowledge base ${kb.name} (${kb.knowledgeBaseId}): ${sources} data source(s); ${store}`;
    });
  }

  #deps(knowledgeBaseId: string) {
    return { s3: this.options.s3(), index: this.index, embedder: this.#embedder(knowledgeBaseId) };
  }

  #embedder(knowledgeBaseId: string): Embedder {
    let embedder = this.#embedders.get(knowledgeBaseId);
    if (embedder === undefined) {
      const kb = this.knowledgeBase(knowledgeBaseId);
      const vector = kb.knowledgeBaseConfiguration.vectorKnowledgeBaseConfiguration;
      if (kb.knowledgeBaseConfiguration.type !== 'VECTOR' || vector === undefined) {
        throw validationError(
          `The local runtime serves VECTOR knowledge bases; ${kb.name} is of type ${kb.knowledgeBaseConfiguration.type}.`,
        );
      }
      const dimensions = vector.embeddingModelConfiguration?.bedrockEmbeddingModelConfiguration?.dimensions;
      embedder = new Embedder(this.options.bedrock, vector.embeddingModelArn, dimensions, this.options.region);
      this.#embedders.set(knowledgeBaseId, embedder);
    }
    return embedder;
  }

  #missing(): never {
    throw notFound();
  }
}
