import { AwsError, validationError } from '../../endpoint/aws-error.js';
import type { ModelOperations } from '../../endpoint/model-protocols/operations.js';
import { ModelRestJsonProtocol } from '../../endpoint/model-protocols/rest-json-codec.js';
import { loadModel } from '../../endpoint/validation/model.js';
import { modelValidator } from '../../endpoint/validation/validator.js';
import { operationTable } from '../../service-registry/operation-table.js';
import type { DataSource, KnowledgeBase } from './definitions.js';
import { type IngestionJob, type KnowledgeBaseService, NOT_FOUND_TEXT } from './knowledge-base-service.js';

/** The template's resources have no creation date of their own: theirs is the epoch. */
const CREATED = new Date(0);

/**
 * Bedrock Agent's REST-JSON protocol (its model's routes) for the knowledge base operations:
 * every path under `/knowledgebases` but Bedrock Agent Runtime's `/knowledgebases/{id}/retrieve`,
 * and `/tags/` of a knowledge base's ARN, is its own, so an operation on them it does not serve is refused by name.
 */
export function bedrockAgentProtocol(api: KnowledgeBaseAgentApi): ModelRestJsonProtocol {
  return new ModelRestJsonProtocol(
    loadModel('bedrock-agent'),
    operationTable(api, KnowledgeBaseAgentApi) as ModelOperations,
    { serviceName: 'Bedrock Agent', validate: modelValidator('bedrock-agent', { servicePatterns: taggableArnPatterns() }) },
    // `/tags/<ARN>` is many services' path: Bedrock Agent's here are its knowledge bases', whose `/` the decoded path holds.
    {
      paths: /^\/(knowledgebases(?!\/[^/]+\/retrieve\/?$)(\/|$)|tags\/arn:[^:/]+:bedrock:[^:]*:\d*:knowledge-base\/)/,
      greedyLabels: ['resourceArn'],
    },
  );
}

/**
 * The tag operations' ARN pattern as Bedrock Agent checks it, in place of its published model's:
 * botocore 1.43.11's TaggableResourcesArn writes `/d` for `\d`, which no account id matches (none
 * once a model has it right).
 */
function taggableArnPatterns(): Record<string, string> {
  const published = loadModel('bedrock-agent').shapes.TaggableResourcesArn?.pattern;
  return published?.includes(':/d{12}:') ? { [published]: published.replaceAll('/d', '\\d') } : {};
}

type Listing = { maxResults?: number; nextToken?: string };

/** A page of `items` as the List operations answer it: `nextToken` is the index of the next item. */
function page<T>(items: readonly T[], { maxResults, nextToken }: Listing): { items: T[]; nextToken?: string } {
  const start = nextToken === undefined ? 0 : Number.parseInt(nextToken, 10);
  if (!Number.isInteger(start) || start < 0 || start > items.length) throw validationError(`The nextToken ${nextToken} is not valid.`);
  const end = start + (maxResults ?? 1000);
  return { items: items.slice(start, end), ...(end < items.length ? { nextToken: String(end) } : {}) };
}

const dates = (createdAt: number | undefined) => {
  const at = createdAt === undefined ? CREATED : new Date(createdAt);
  return { createdAt: at, updatedAt: at };
};
const knowledgeBaseOf = (kb: KnowledgeBase) => ({ ...kb, status: 'ACTIVE', ...dates(kb.createdAt) });
const dataSourceOf = (ds: DataSource) => ({ ...ds, status: 'AVAILABLE', ...dates(ds.createdAt) });

/** How an AsyncJobs status reads in Bedrock's words (a job not yet at work is STARTING). */
function ingestionJobOf(service: KnowledgeBaseService, job: IngestionJob) {
  const phase = service.jobs.phase(job);
  const status = {
    SUCCEEDED: 'COMPLETE',
    FAILED: 'FAILED',
    STOPPED: 'STOPPED',
    IN_PROGRESS: phase === 'queued' ? 'STARTING' : 'IN_PROGRESS',
  }[job.status];
  const failureReasons = [...(job.output?.failureReasons ?? []), ...(job.failure === undefined ? [] : [job.failure])];
  return {
    knowledgeBaseId: job.input.knowledgeBaseId,
    dataSourceId: job.input.dataSourceId,
    ingestionJobId: job.id,
    ...(job.input.description === undefined ? {} : { description: job.input.description }),
    status,
    ...(job.output === undefined ? {} : { statistics: job.output.statistics }),
    ...(failureReasons.length === 0 ? {} : { failureReasons }),
    startedAt: new Date(job.submittedAt),
    updatedAt: new Date(job.endedAt ?? (phase === 'queued' ? job.submittedAt : job.startsAt)),
  };
}

/**
 * Bedrock Agent's knowledge base operations over the template's knowledge bases and data
 * sources (KnowledgeBaseService), each taking its input as the model-driven codec decodes it.
 */
export class KnowledgeBaseAgentApi {
  constructor(private readonly service: KnowledgeBaseService) {}

  async GetKnowledgeBase({ knowledgeBaseId }: { knowledgeBaseId: string }) {
    return { knowledgeBase: knowledgeBaseOf(this.service.knowledgeBase(knowledgeBaseId)) };
  }

  async ListKnowledgeBases(input: Listing) {
    const { items, nextToken } = page(this.service.knowledgeBases, input);
    return {
      knowledgeBaseSummaries: items.map((kb) => {
        const { knowledgeBaseId, name, description, status, updatedAt } = knowledgeBaseOf(kb);
        return { knowledgeBaseId, name, description, status, updatedAt };
      }),
      nextToken,
    };
  }

  async CreateKnowledgeBase(
    input: Omit<KnowledgeBase, 'knowledgeBaseId' | 'knowledgeBaseArn'> & { clientToken?: string; tags?: Record<string, string> },
  ) {
    const { clientToken: _, tags, ...properties } = input;
    return { knowledgeBase: knowledgeBaseOf(this.service.createKnowledgeBase(properties, tags)) };
  }

  /** Adds tags to a knowledge base (the one resource of Bedrock Agent the local runtime keeps tags of), a key given again taking its new value. */
  async TagResource({ resourceArn, tags }: { resourceArn: string; tags: Record<string, string> }) {
    this.service.tags.tag(this.#tagged(resourceArn), Object.entries(tags));
    return {};
  }

  /** Removes the tags of these keys; a key the knowledge base does not have is no error. */
  async UntagResource({ resourceArn, tagKeys }: { resourceArn: string; tagKeys: string[] }) {
    this.service.tags.untag(this.#tagged(resourceArn), tagKeys);
    return {};
  }

  async ListTagsForResource({ resourceArn }: { resourceArn: string }) {
    return { tags: this.service.tags.map(this.#tagged(resourceArn)) };
  }

  async DeleteKnowledgeBase({ knowledgeBaseId }: { knowledgeBaseId: string }) {
    this.service.deleteKnowledgeBase(knowledgeBaseId);
    return { knowledgeBaseId, status: 'DELETING' };
  }

  async CreateDataSource(input: Omit<DataSource, 'dataSourceId'> & { clientToken?: string }) {
    const { clientToken: _, ...properties } = input;
    return { dataSource: dataSourceOf(this.service.createDataSource(properties)) };
  }

  async DeleteDataSource({ knowledgeBaseId, dataSourceId }: { knowledgeBaseId: string; dataSourceId: string }) {
    this.service.deleteDataSource(knowledgeBaseId, dataSourceId);
    return { knowledgeBaseId, dataSourceId, status: 'DELETING' };
  }

  async GetDataSource({ knowledgeBaseId, dataSourceId }: { knowledgeBaseId: string; dataSourceId: string }) {
    return { dataSource: dataSourceOf(this.service.dataSource(knowledgeBaseId, dataSourceId)) };
  }

  async ListDataSources(input: Listing & { knowledgeBaseId: string }) {
    const { items, nextToken } = page(this.service.dataSources(input.knowledgeBaseId), input);
    return {
      dataSourceSummaries: items.map((ds) => {
        const { knowledgeBaseId, dataSourceId, name, description, status, updatedAt } = dataSourceOf(ds);
        return { knowledgeBaseId, dataSourceId, name, description, status, updatedAt };
      }),
      nextToken,
    };
  }

  async StartIngestionJob(input: { knowledgeBaseId: string; dataSourceId: string; description?: string; clientToken?: string }) {
    const { clientToken, ...job } = input;
    return { ingestionJob: ingestionJobOf(this.service, this.service.startIngestion(job, clientToken)) };
  }

  async GetIngestionJob(input: { knowledgeBaseId: string; dataSourceId: string; ingestionJobId: string }) {
    return {
      ingestionJob: ingestionJobOf(this.service, this.service.ingestion(input.knowledgeBaseId, input.dataSourceId, input.ingestionJobId)),
    };
  }

  async ListIngestionJobs(input: Listing & { knowledgeBaseId: string; dataSourceId: string }) {
    const { items, nextToken } = page(this.service.ingestions(input.knowledgeBaseId, input.dataSourceId), input);
    return { ingestionJobSummaries: items.map((job) => ingestionJobOf(this.service, job)), nextToken };
  }

  async StopIngestionJob(input: { knowledgeBaseId: string; dataSourceId: string; ingestionJobId: string }) {
    const job = this.service.ingestion(input.knowledgeBaseId, input.dataSourceId, input.ingestionJobId);
    if (!this.service.jobs.stopJob(job.id))
      throw validationError(`The ingestion job ${job.id} has ended (${job.status}): only a job in progress can be stopped.`);
    return { ingestionJob: ingestionJobOf(this.service, this.service.jobs.get(job.kind, job.id)) };
  }

  /**
   * The ARN a tag operation names, of a knowledge base there is
   * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_agent_TagResource.html).
   * @throws AwsError ResourceNotFoundException (Bedrock's words) for any other ARN
   */
  #tagged(arn: string): string {
    const kb = this.service.knowledgeBases.find((known) => known.knowledgeBaseArn === arn);
    if (kb === undefined) throw new AwsError('ResourceNotFoundException', NOT_FOUND_TEXT, 404);
    return kb.knowledgeBaseArn;
  }
}
