import { AwsError } from '../endpoint/aws-error.js';
import { canonical } from '../json/canonical-json.js';
import { type AsyncJob, AsyncJobFailed } from '../store/async-jobs.js';
import type { Input, LeafContext, LeafJobKind, LeafOperation, LeafServiceDeclaration } from './declaration.js';
import { BadDocument, type DocumentContent, readDocument, UnsupportedDocument } from './documents.js';
import { type DocumentErrors, documentBytes, readAsCaller, s3ObjectOf } from './s3-documents.js';
import { type Block, blockId, formBlocks, geometry, keyValueOf, queryBlocks, textBlocks } from './textract-blocks.js';

/** Textract's limits: 10 MB for a synchronous operation's document, 500 MB for an asynchronous one's. */
const SYNC_LIMIT = 10 * 1024 * 1024;
const ASYNC_LIMIT = 500 * 1024 * 1024;
const ASYNC_PAGES = 3000;

const S3_UNREADABLE = 'Unable to get object metadata from S3. Check object key, region and/or access permissions.';
const UNSUPPORTED = 'Request has unsupported document format';
const BAD = 'Unable to read the document: its content could not be parsed.';
const tooLargeMessage = (limit: number) => `Document size exceeds the limit of ${limit / 1024 / 1024} MB`;

const ERRORS: DocumentErrors = {
  invalidS3Object: () => new AwsError('InvalidS3ObjectException', S3_UNREADABLE),
  invalidParameter: (message) => new AwsError('InvalidParameterException', message),
  tooLarge: (limit) => new AwsError('DocumentTooLargeException', tooLargeMessage(limit)),
};

/** The document's content, or Textract's error for bytes it does not read. */
function contentOf(bytes: Buffer): DocumentContent {
  try {
    return readDocument(bytes);
  } catch (error) {
    if (error instanceof UnsupportedDocument) throw new AwsError('UnsupportedDocumentException', UNSUPPORTED, 400, { cause: error });
    if (error instanceof BadDocument) throw new AwsError('BadDocumentException', BAD, 400, { cause: error });
    throw error;
  }
}

/** Each page's lines (an image: one page whose text the local runtime cannot see). */
const pagesOf = (content: DocumentContent): readonly (readonly string[])[] => (content.kind === 'text' ? content.pages : [[]]);

/** A synchronous operation's document: one page (a multi-page PDF is for the asynchronous operations, as AWS refuses it). */
async function syncPages(input: Input, context: LeafContext): Promise<readonly (readonly string[])[]> {
  const pages = pagesOf(contentOf(await documentBytes(input.Document as Input | undefined, context, SYNC_LIMIT, ERRORS)));
  if (pages.length > 1) throw new AwsError('UnsupportedDocumentException', UNSUPPORTED);
  return pages;
}

type Analysis = 'text' | 'document' | 'expense';

/** The blocks (or expense documents) of a document's pages, for one kind of analysis. */
function analyze(
  kind: Analysis,
  pages: readonly (readonly string[])[],
  input: Input,
  seed: string,
  paged: boolean,
): Record<string, unknown> {
  const features = new Set((input.FeatureTypes as string[] | undefined) ?? []);
  const blocks = pages.flatMap((lines, i) => {
    const page = paged ? i + 1 : undefined;
    const text = textBlocks(lines, seed, page);
    if (kind !== 'document') return text;
    return [...text, ...(features.has('FORMS') ? formBlocks(lines, seed, page) : [])];
  });
  if (kind === 'document' && features.has('QUERIES')) {
    const queries = ((input.QueriesConfig as Input | undefined)?.Queries as Input[] | undefined) ?? [];
    blocks.push(...queryBlocks(queries, pages.flat(), seed));
  }
  if (kind === 'expense') return { ExpenseDocuments: [expenseDocument(pages, blocks, seed)] };
  return { Blocks: blocks };
}

/** The summary type AnalyzeExpense gives a field, from words of its label. */
function expenseType(label: string): string {
  const l = label.toLowerCase();
  if (/total|amount due|balance/.test(l)) return 'TOTAL';
  if (/vendor|supplier|from|seller/.test(l)) return 'VENDOR_NAME';
  if (/date/.test(l)) return 'INVOICE_RECEIPT_DATE';
  if (/invoice|receipt/.test(l)) return 'INVOICE_RECEIPT_ID';
  if (/tax|vat/.test(l)) return 'TAX';
  return 'OTHER';
}

function expenseDocument(pages: readonly (readonly string[])[], blocks: Block[], seed: string): Record<string, unknown> {
  const summaryFields = pages.flatMap((lines, p) =>
    lines.flatMap((line, i) => {
      const field = keyValueOf(line);
      if (!field) return [];
      const box = geometry(0.05, 0.05 + i * 0.05, 0.4, 0.03);
      return [
        {
          Type: { Text: expenseType(field.key), Confidence: 99 },
          LabelDetection: { Text: field.key, Geometry: box, Confidence: 99 },
          ValueDetection: { Text: field.value, Geometry: geometry(0.5, 0.05 + i * 0.05, 0.4, 0.03), Confidence: 99 },
          PageNumber: p + 1,
          Id: blockId(seed, `field:${p}:${i}`),
        },
      ];
    }),
  );
  return { ExpenseIndex: 1, SummaryFields: summaryFields, LineItemGroups: [], Blocks: blocks };
}

function syncOperation(kind: Analysis): LeafOperation {
  return {
    async simulate(input, context) {
      const pages = await syncPages(input, context);
      const version =
        kind === 'text' ? { DetectDocumentTextModelVersion: '1.0' } : kind === 'document' ? { AnalyzeDocumentModelVersion: '1.0' } : {};
      return { DocumentMetadata: { Pages: pages.length }, ...analyze(kind, pages, input, context.digest, false), ...version };
    },
  };
}

/** What an asynchronous analysis keeps as its output: the document's pages and its blocks (or expense documents). */
interface JobOutput {
  readonly Pages: number;
  readonly Blocks?: Block[];
  readonly ExpenseDocuments?: Record<string, unknown>[];
}

/** An asynchronous analysis's work: the document read as the service, as the job's time comes; AWS's failures kept in the job. */
function jobKind(kind: Analysis, api: string): LeafJobKind {
  return {
    queuedMs: 500,
    runMs: 1500,
    async run(input, context): Promise<JobOutput> {
      const location = s3ObjectOf((input.DocumentLocation as Input | undefined)?.S3Object);
      if (location === undefined) throw new AsyncJobFailed(S3_UNREADABLE);
      let bytes: Buffer;
      try {
        bytes = await context.readObject(location);
      } catch (error) {
        if (error instanceof AwsError) throw new AsyncJobFailed(S3_UNREADABLE, { cause: error });
        throw error;
      }
      if (bytes.length > ASYNC_LIMIT) throw new AsyncJobFailed(tooLargeMessage(ASYNC_LIMIT));
      let pages: readonly (readonly string[])[];
      try {
        pages = pagesOf(contentOf(bytes));
      } catch (error) {
        if (error instanceof AwsError) throw new AsyncJobFailed(error.message, { cause: error });
        throw error;
      }
      if (pages.length > ASYNC_PAGES) throw new AsyncJobFailed(`The document has more than ${ASYNC_PAGES} pages`);
      return { Pages: pages.length, ...analyze(kind, pages, input, context.digest, true) };
    },
    async settled(job, notify) {
      const channel = job.input.NotificationChannel as Input | undefined;
      if (typeof channel?.SNSTopicArn !== 'string') return;
      const location = s3ObjectOf((job.input.DocumentLocation as Input | undefined)?.S3Object);
      const message = {
        JobId: job.id,
        Status: job.status,
        API: api,
        ...(typeof job.input.JobTag === 'string' ? { JobTag: job.input.JobTag } : {}),
        Timestamp: job.endedAt ?? job.submittedAt,
        DocumentLocation: { S3ObjectName: location?.key, S3Bucket: location?.bucket },
      };
      await notify.publish(channel.SNSTopicArn, JSON.stringify(message));
    },
  };
}

/** Start*: the object checked readable by the caller, then the job accepted (one job per ClientRequestToken). */
function startOperation(kind: string): LeafOperation {
  return {
    async simulate(input, context) {
      const location = s3ObjectOf((input.DocumentLocation as Input | undefined)?.S3Object);
      if (location === undefined) throw new AwsError('InvalidParameterException', 'Request has invalid parameters');
      await readAsCaller(location, context, ERRORS);
      const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : undefined;
      const job = context.jobs.submit(kind, input, token ? { token } : {});
      if (JSON.stringify(canonical(job.input)) !== JSON.stringify(canonical(input))) {
        throw new AwsError(
          'IdempotentParameterMismatchException',
          'A ClientRequestToken input parameter was reused with an operation, but at least one of the other input parameters is different from the previous call to the operation.',
        );
      }
      return { JobId: job.id };
    },
  };
}

/** Get*: the job's status, and once it SUCCEEDED its blocks a page of MaxResults at a time (NextToken). */
function getOperation(kind: string, version: Record<string, string>): LeafOperation {
  return {
    simulate(input, context) {
      const job = context.jobs.get(kind, String(input.JobId)) as AsyncJob<Input, JobOutput> | undefined;
      if (job === undefined) throw new AwsError('InvalidJobIdException', 'An invalid job identifier was passed.');
      if (job.status === 'IN_PROGRESS') return { JobStatus: 'IN_PROGRESS', ...version };
      if (job.status !== 'SUCCEEDED' || job.output === undefined) {
        return { JobStatus: 'FAILED', StatusMessage: job.failure ?? 'The job was stopped.', ...version };
      }
      const { Pages, Blocks, ExpenseDocuments } = job.output;
      const items = (Blocks ?? ExpenseDocuments ?? []) as unknown[];
      const max = typeof input.MaxResults === 'number' ? input.MaxResults : 1000;
      const start = input.NextToken === undefined ? 0 : offsetOf(input.NextToken);
      const page = items.slice(start, start + max);
      const next = start + max < items.length ? { NextToken: Buffer.from(`offset:${start + max}`).toString('base64') } : {};
      return {
        JobStatus: 'SUCCEEDED',
        DocumentMetadata: { Pages },
        [Blocks ? 'Blocks' : 'ExpenseDocuments']: page,
        ...next,
        ...version,
      };
    },
  };
}

function offsetOf(token: unknown): number {
  const m = /^offset:(\d+)$/.exec(Buffer.from(String(token), 'base64').toString('utf8'));
  if (!m) throw new AwsError('InvalidParameterException', 'Request has invalid parameters');
  return Number(m[1]);
}

/**
 * Amazon Textract: the text of PDFs (and, locally, text files) read for real into PAGE,
 * LINE and WORD blocks with geometry; forms' `Key: Value` lines as KEY_VALUE_SET blocks,
 * queries answered from them, expense fields; the asynchronous analyses as jobs.
 */
export const TEXTRACT: LeafServiceDeclaration = {
  name: 'textract',
  title: 'Textract',
  sdkClient: { package: '@aws-sdk/client-textract', serviceId: 'Textract', baseException: 'TextractServiceException' },
  operations: {
    DetectDocumentText: syncOperation('text'),
    AnalyzeDocument: syncOperation('document'),
    AnalyzeExpense: syncOperation('expense'),
    StartDocumentTextDetection: startOperation('text-detection'),
    GetDocumentTextDetection: getOperation('text-detection', { DetectDocumentTextModelVersion: '1.0' }),
    StartDocumentAnalysis: startOperation('document-analysis'),
    GetDocumentAnalysis: getOperation('document-analysis', { AnalyzeDocumentModelVersion: '1.0' }),
    StartExpenseAnalysis: startOperation('expense-analysis'),
    GetExpenseAnalysis: getOperation('expense-analysis', { AnalyzeExpenseModelVersion: '1.0' }),
  },
  jobs: {
    'text-detection': jobKind('text', 'StartDocumentTextDetection'),
    'document-analysis': jobKind('document', 'StartDocumentAnalysis'),
    'expense-analysis': jobKind('expense', 'StartExpenseAnalysis'),
  },
};
