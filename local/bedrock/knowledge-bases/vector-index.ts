import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { validationError } from '../../endpoint/aws-error.js';
import { inTransaction } from '../../store/transaction.js';
import { cosine } from '../lexical-embedding.js';
import type { MetadataValue } from './documents.js';

/** One embedded chunk of a document, as the index keeps it. */
export interface IndexedChunk {
  readonly chunkId: string;
  readonly sourceUri: string;
  /** What a retrieval returns (a hierarchical child's parent chunk). */
  readonly content: string;
  readonly metadata: Readonly<Record<string, MetadataValue>>;
  readonly vector: readonly number[];
}

/** A retrieved chunk with its similarity to the query. */
export interface Match extends Omit<IndexedChunk, 'vector'> {
  readonly score: number;
}

/** A document the index holds, by data source: its digest tells a changed document from an unchanged one. */
export interface IndexedDocument {
  readonly uri: string;
  readonly digest: string;
}

/**
 * The local vector index behind every knowledge base, whatever its storage configuration
 * names (OpenSearch Serverless, S3 Vectors, RDS, Pinecone...): chunks with their vectors
 * (float32) and metadata in the data folder's `knowledge-bases.sqlite`, searched by cosine
 * similarity over all of a knowledge base's chunks (exact, no approximate index: fine for the
 * thousands of chunks of a local data set).
 */
export class VectorIndex {
  readonly #statements: Record<'chunks' | 'documents' | 'addChunk' | 'dropChunks' | 'putDocument' | 'dropDocument', StatementSync>;

  constructor(private readonly db: DatabaseSync) {
    db.exec(`CREATE TABLE IF NOT EXISTS kb_chunks (
      knowledge_base_id TEXT NOT NULL, data_source_id TEXT NOT NULL, chunk_id TEXT NOT NULL, source_uri TEXT NOT NULL,
      content TEXT NOT NULL, metadata TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (knowledge_base_id, chunk_id))`);
    db.exec(`CREATE TABLE IF NOT EXISTS kb_documents (
      data_source_id TEXT NOT NULL, uri TEXT NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (data_source_id, uri))`);
    this.#statements = {
      chunks: db.prepare('SELECT chunk_id, source_uri, content, metadata, vector FROM kb_chunks WHERE knowledge_base_id = ?'),
      documents: db.prepare('SELECT uri, digest FROM kb_documents WHERE data_source_id = ?'),
      addChunk: db.prepare('INSERT OR REPLACE INTO kb_chunks VALUES (?, ?, ?, ?, ?, ?, ?)'),
      dropChunks: db.prepare('DELETE FROM kb_chunks WHERE data_source_id = ? AND source_uri = ?'),
      putDocument: db.prepare('INSERT OR REPLACE INTO kb_documents VALUES (?, ?, ?)'),
      dropDocument: db.prepare('DELETE FROM kb_documents WHERE data_source_id = ? AND uri = ?'),
    };
  }

  /** Forgets a deleted data source's chunks and documents. */
  dropDataSource(dataSourceId: string): void {
    inTransaction(this.db, () => {
      this.db.prepare('DELETE FROM kb_chunks WHERE data_source_id = ?').run(dataSourceId);
      this.db.prepare('DELETE FROM kb_documents WHERE data_source_id = ?').run(dataSourceId);
    });
  }

  /** The documents a data source's last ingestions indexed. */
  documents(dataSourceId: string): IndexedDocument[] {
    return this.#statements.documents.all(dataSourceId) as unknown as IndexedDocument[];
  }

  /** Replaces a document's chunks (none: the document is removed), in one transaction. */
  replaceDocument(
    where: { readonly knowledgeBaseId: string; readonly dataSourceId: string },
    uri: string,
    indexed: { readonly digest: string; readonly chunks: readonly IndexedChunk[] } | undefined,
  ): void {
    inTransaction(this.db, () => {
      this.#statements.dropChunks.run(where.dataSourceId, uri);
      if (indexed === undefined) {
        this.#statements.dropDocument.run(where.dataSourceId, uri);
        return;
      }
      for (const chunk of indexed.chunks) {
        const vector = Buffer.from(new Float32Array(chunk.vector).buffer);
        this.#statements.addChunk.run(
          where.knowledgeBaseId,
          where.dataSourceId,
          chunk.chunkId,
          uri,
          chunk.content,
          JSON.stringify(chunk.metadata),
          vector,
        );
      }
      this.#statements.putDocument.run(where.dataSourceId, uri, indexed.digest);
    });
  }

  /** The `count` chunks closest to `vector` that pass `filter`, best first; a hierarchical parent is returned once, at its best child's score. */
  search(knowledgeBaseId: string, vector: readonly number[], count: number, filter?: RetrievalFilter): Match[] {
    const rows = this.#statements.chunks.all(knowledgeBaseId) as unknown as {
      chunk_id: string;
      source_uri: string;
      content: string;
      metadata: string;
      vector: Uint8Array;
    }[];
    const scored: Match[] = [];
    for (const row of rows) {
      const metadata = JSON.parse(row.metadata) as Record<string, MetadataValue>;
      if (filter !== undefined && !passes(filter, metadata)) continue;
      const stored = new Float32Array(row.vector.buffer, row.vector.byteOffset, row.vector.byteLength / 4);
      scored.push({ chunkId: row.chunk_id, sourceUri: row.source_uri, content: row.content, metadata, score: cosine(vector, [...stored]) });
    }
    scored.sort((a, b) => b.score - a.score || (a.chunkId < b.chunkId ? -1 : 1));
    const seen = new Set<string>();
    return scored.filter((match) => !seen.has(match.content) && seen.add(match.content) !== undefined).slice(0, count);
  }
}

/** A Retrieve filter, in the API's shape (`vectorSearchConfiguration.filter`). */
export type RetrievalFilter = Readonly<Record<string, unknown>>;

const COMPARISONS: Readonly<Record<string, (actual: MetadataValue | undefined, expected: unknown) => boolean>> = {
  equals: (a, e) => a !== undefined && JSON.stringify(a) === JSON.stringify(e),
  notEquals: (a, e) => a === undefined || JSON.stringify(a) !== JSON.stringify(e),
  greaterThan: (a, e) => typeof a === 'number' && a > Number(e),
  greaterThanOrEquals: (a, e) => typeof a === 'number' && a >= Number(e),
  lessThan: (a, e) => typeof a === 'number' && a < Number(e),
  lessThanOrEquals: (a, e) => typeof a === 'number' && a <= Number(e),
  in: (a, e) => Array.isArray(e) && e.some((item) => JSON.stringify(item) === JSON.stringify(a)),
  notIn: (a, e) => !Array.isArray(e) || !e.some((item) => JSON.stringify(item) === JSON.stringify(a)),
  startsWith: (a, e) => typeof a === 'string' && a.startsWith(String(e)),
  listContains: (a, e) => Array.isArray(a) && a.includes(String(e)),
  stringContains: (a, e) =>
    typeof a === 'string' ? a.includes(String(e)) : Array.isArray(a) && a.some((item) => item.includes(String(e))),
};

/** Whether a chunk's metadata passes a filter: one comparison, or `andAll`/`orAll` of filters. */
function passes(filter: RetrievalFilter, metadata: Readonly<Record<string, MetadataValue>>): boolean {
  const [operator, operand] = Object.entries(filter).find(([, value]) => value !== undefined && value !== null) ?? [];
  if (operator === 'andAll' || operator === 'orAll') {
    const filters = operand as RetrievalFilter[];
    return operator === 'andAll' ? filters.every((f) => passes(f, metadata)) : filters.some((f) => passes(f, metadata));
  }
  const compare = operator === undefined ? undefined : COMPARISONS[operator];
  if (compare === undefined) {
    throw validationError(`The filter must set exactly one of ${[...Object.keys(COMPARISONS), 'andAll', 'orAll'].join(', ')}.`);
  }
  const { key, value } = operand as { key: string; value: unknown };
  return compare(metadata[key], value);
}
