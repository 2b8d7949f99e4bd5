import { AwsError } from '../../endpoint/aws-error.js';
import type { S3Service } from '../../s3/s3-service.js';
import { AsyncJobFailed } from '../../store/async-jobs.js';
import { stableUuid } from '../../template/resolve.js';
import { chunkDocument } from './chunking.js';
import type { DataSource } from './definitions.js';
import { documentText, type MetadataValue, sidecarAttributes } from './documents.js';
import type { Embedder } from './embedder.js';
import type { VectorIndex } from './vector-index.js';

/** An ingestion job's statistics, as GetIngestionJob answers them. */
export interface IngestionStatistics {
  numberOfDocumentsScanned: number;
  numberOfMetadataDocumentsScanned: number;
  numberOfNewDocumentsIndexed: number;
  numberOfModifiedDocumentsIndexed: number;
  numberOfMetadataDocumentsModified: number;
  numberOfDocumentsDeleted: number;
  numberOfDocumentsFailed: number;
}

/** What an ingestion job leaves: its statistics, and a reason for each document that failed. */
export interface IngestionResult {
  readonly statistics: IngestionStatistics;
  readonly failureReasons: readonly string[];
}

const SIDECAR = '.metadata.json';

/** The object keys of a data source's bucket under its inclusion prefixes (all of them without any). */
function keysOf(s3: S3Service, bucket: string, prefixes: readonly string[]): string[] {
  const keys = new Set<string>();
  for (const prefix of prefixes.length === 0 ? [''] : prefixes) {
    let token: string | undefined;
    do {
      const page = s3.ListObjects({ Bucket: bucket, Prefix: prefix, ...(token === undefined ? {} : { ContinuationToken: token }) });
      for (const object of page.Contents) keys.add(object.key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }
  return [...keys].sort();
}

/**
 * One ingestion of an S3 data source, as Bedrock runs it: every object under the inclusion
 * prefixes is a document (its `<key>.metadata.json` beside it, its metadata); a document new
 * or changed since the last ingestion (its ETag, or its metadata file's) is read, chunked,
 * embedded and indexed in place of its old chunks; one no longer in the bucket is removed; one
 * that cannot be read is counted failed with its reason, and the job still completes. A bucket
 * that does not exist fails the job.
 */
export async function ingestDataSource(
  dataSource: DataSource,
  deps: { readonly s3: S3Service; readonly index: VectorIndex; readonly embedder: Embedder },
): Promise<IngestionResult> {
  const s3Configuration = dataSource.dataSourceConfiguration.s3Configuration;
  const bucket = s3Configuration?.bucketArn.replace(/^arn:[^:]+:s3:::/, '') ?? '';
  const statistics: IngestionStatistics = {
    numberOfDocumentsScanned: 0,
    numberOfMetadataDocumentsScanned: 0,
    numberOfNewDocumentsIndexed: 0,
    numberOfModifiedDocumentsIndexed: 0,
    numberOfMetadataDocumentsModified: 0,
    numberOfDocumentsDeleted: 0,
    numberOfDocumentsFailed: 0,
  };
  const failureReasons: string[] = [];
  let keys: string[];
  try {
    keys = keysOf(deps.s3, bucket, s3Configuration?.inclusionPrefixes ?? []);
  } catch (error) {
    if (error instanceof AwsError)
      throw new AsyncJobFailed(`The data source's bucket ${bucket} cannot be read: ${error.message}`, { cause: error });
    throw error;
  }
  const listed = new Set(keys);
  const where = { knowledgeBaseId: dataSource.knowledgeBaseId, dataSourceId: dataSource.dataSourceId };
  const before = new Map(deps.index.documents(dataSource.dataSourceId).map((document) => [document.uri, document.digest]));
  const chunking = dataSource.vectorIngestionConfiguration?.chunkingConfiguration;
  for (const key of keys.filter((k) => !k.endsWith(SIDECAR) || !listed.has(k.slice(0, -SIDECAR.length)))) {
    const uri = `s3://${bucket}/${key}`;
    statistics.numberOfDocumentsScanned++;
    const { object, body } = deps.s3.GetObject({ Bucket: bucket, Key: key });
    const sidecar = listed.has(`${key}${SIDECAR}`) ? deps.s3.GetObject({ Bucket: bucket, Key: `${key}${SIDECAR}` }) : undefined;
    if (sidecar) statistics.numberOfMetadataDocumentsScanned++;
    const digest = `${object.etag}|${sidecar?.object.etag ?? ''}`;
    const previous = before.get(uri);
    if (previous === digest) continue;
    const read = documentText(uri, body);
    let attributes: Record<string, MetadataValue> = {};
    try {
      if (sidecar) attributes = sidecarAttributes(sidecar.body);
    } catch (error) {
      statistics.numberOfDocumentsFailed++;
      failureReasons.push(`The metadata file of ${uri} is not valid: ${(error as Error).message}.`);
      continue;
    }
    if ('failure' in read) {
      statistics.numberOfDocumentsFailed++;
      failureReasons.push(read.failure);
      continue;
    }
    const chunks = [];
    for (const [i, chunk] of chunkDocument(read.text, chunking).entries()) {
      const chunkId = stableUuid(`${dataSource.dataSourceId}|${uri}|${digest}|${i}`);
      chunks.push({
        chunkId,
        sourceUri: uri,
        content: chunk.content,
        metadata: {
          ...attributes,
          'x-amz-bedrock-kb-source-uri': uri,
          'x-amz-bedrock-kb-chunk-id': chunkId,
          'x-amz-bedrock-kb-data-source-id': dataSource.dataSourceId,
        },
        vector: await deps.embedder.embed(chunk.text, 'document'),
      });
    }
    deps.index.replaceDocument(where, uri, { digest, chunks });
    if (previous === undefined) statistics.numberOfNewDocumentsIndexed++;
    else if (previous.split('|')[0] === object.etag) statistics.numberOfMetadataDocumentsModified++;
    else statistics.numberOfModifiedDocumentsIndexed++;
  }
  for (const uri of before.keys()) {
    if (listed.has(uri.slice(`s3://${bucket}/`.length))) continue;
    deps.index.replaceDocument(where, uri, undefined);
    statistics.numberOfDocumentsDeleted++;
  }
  return { statistics, failureReasons };
}
