import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { AwsError, validationError } from '../../aws-error.js';
import type { Clock } from '../../clock.js';
import type { S3Service } from '../../s3/s3-service.js';
import { type AsyncJob, AsyncJobs } from '../../store/async-jobs.js';
import type { OutboxHandlerError } from '../../store/outbox.js';
import type { BedrockService } from '../bedrock-service.js';
import type { DataSource, KnowledgeBase, KnowledgeBaseDefinitions } from './definitions.js';
import { Embedder } from './embedder.js';
import { type IngestionResult, ingestDataSource } from './ingestion.js';
import { type Match, type RetrievalFilter, VectorIndex } from './vector-index.js';

export interface KnowledgeBaseServiceOptions {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly region: string;
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

  constructor(private readonly options: KnowledgeBaseServiceOptions) {
    this.index = new VectorIndex(options.db);
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

  stop(): Promise<void> {
    return this.jobs.stop();
  }

  get knowledgeBases(): readonly KnowledgeBase[] {
    return this.options.definitions.knowledgeBases;
  }

  /** The knowledge base; else ResourceNotFoundException. */
  knowledgeBase(id: string): KnowledgeBase {
    return this.knowledgeBases.find((kb) => kb.knowledgeBaseId === id) ?? this.#missing();
  }

  dataSources(knowledgeBaseId: string): DataSource[] {
    this.knowledgeBase(knowledgeBaseId);
    return this.options.definitions.dataSources.filter((ds) => ds.knowledgeBaseId === knowledgeBaseId);
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
      const sources = this.options.definitions.dataSources.filter((ds) => ds.knowledgeBaseId === kb.knowledgeBaseId).length;
      const storage = kb.storageConfiguration?.type ?? 'no storage configuration';
      return `  knowledge base ${kb.name} (${kb.knowledgeBaseId}): ${sources} data source(s); its ${storage} vector store is the local vector index (knowledge-bases.sqlite)`;
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
