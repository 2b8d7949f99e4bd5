import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { AwsError } from '../endpoint/aws-error.js';
import { inTransaction } from '../store/transaction.js';
import { type ObjectRecord, type S3Store, type Tag, writeObjectFile } from './s3-store.js';

/** S3's multipart limits: https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html */
const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PART_NUMBER = 10_000;

export interface UploadSettings {
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly metadata: Readonly<Record<string, string>>;
  /** CreateMultipartUpload's `x-amz-tagging`, kept for the object Complete writes. */
  readonly tags: readonly Tag[];
}

interface UploadRow {
  upload_id: string;
  bucket: string;
  key: string;
  content_type: string;
  headers: string;
  metadata: string;
  tags: string;
}

interface PartRow {
  part_number: number;
  file: string;
  size: number;
  etag: string;
}

/**
 * Multipart uploads (what the AWS CLI uses for files over 8 MB): each part is a file of its
 * own with a row, committed as it arrives, so an upload survives a restart; completing it
 * writes the object, removes the upload's rows and notifies in one commit.
 */
export class MultipartUploads {
  constructor(private readonly store: S3Store) {}

  create(bucket: string, key: string, settings: UploadSettings, now: number): string {
    const uploadId = randomBytes(32).toString('base64url');
    this.store.db
      .prepare(
        'INSERT INTO s3_upload (upload_id, bucket, key, created_at, content_type, headers, metadata, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        uploadId,
        bucket,
        key,
        now,
        settings.contentType,
        JSON.stringify(settings.headers),
        JSON.stringify(settings.metadata),
        JSON.stringify(settings.tags),
      );
    return uploadId;
  }

  /** Stores a part (replacing one sent before with the same number); its ETag (MD5 hex). */
  uploadPart(uploadId: string, bucket: string, key: string, partNumber: number, body: Buffer): string {
    this.#upload(uploadId, bucket, key);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      throw new AwsError('InvalidArgument', `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`);
    }
    const etag = createHash('md5').update(body).digest('hex');
    const file = writeObjectFile(this.store.folder, body);
    const db = this.store.db;
    let replaced: string | undefined;
    try {
      replaced = inTransaction(db, () => {
        const previous = (
          db.prepare('SELECT file FROM s3_part WHERE upload_id = ? AND part_number = ?').get(uploadId, partNumber) as
            | { file: string }
            | undefined
        )?.file;
        db.prepare(
          `INSERT INTO s3_part (upload_id, part_number, file, size, etag) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (upload_id, part_number) DO UPDATE SET file = excluded.file, size = excluded.size, etag = excluded.etag`,
        ).run(uploadId, partNumber, file, body.length, etag);
        return previous;
      });
    } catch (error) {
      rmSync(path.join(this.store.folder, file), { force: true });
      throw error;
    }
    if (replaced !== undefined) rmSync(path.join(this.store.folder, replaced), { force: true });
    return etag;
  }

  /**
   * The object the listed parts make, as S3 assembles it: parts in ascending order, each
   * named with the ETag it was stored with, all but the last at least 5 MiB; its ETag is the
   * MD5 of the parts' MD5s and `-<count>`.
   */
  complete(
    uploadId: string,
    bucket: string,
    key: string,
    parts: readonly { partNumber: number; etag: string }[],
    write: (
      object: Omit<ObjectRecord, 'sequencer' | 'checksums' | 'lastModified'>,
      body: Buffer,
      alsoInTransaction: () => readonly string[],
    ) => ObjectRecord,
  ): ObjectRecord {
    const upload = this.#upload(uploadId, bucket, key);
    if (parts.length === 0) {
      throw new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    }
    const stored = new Map(
      (
        this.store.db.prepare('SELECT part_number, file, size, etag FROM s3_part WHERE upload_id = ?').all(uploadId) as unknown as PartRow[]
      ).map((row) => [row.part_number, row]),
    );
    const chosen: PartRow[] = [];
    for (const [index, part] of parts.entries()) {
      if (index > 0 && part.partNumber <= (parts[index - 1] as { partNumber: number }).partNumber) {
        throw new AwsError(
          'InvalidPartOrder',
          'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
        );
      }
      const row = stored.get(part.partNumber);
      if (row === undefined || row.etag !== part.etag.replace(/"/g, '')) {
        throw new AwsError(
          'InvalidPart',
          `One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag (part ${part.partNumber}).`,
        );
      }
      chosen.push(row);
    }
    for (const row of chosen.slice(0, -1)) {
      if (row.size < MIN_PART_BYTES)
        throw new AwsError('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
    }
    const body = Buffer.concat(chosen.map((row) => readFileSync(path.join(this.store.folder, row.file))));
    const digests = Buffer.concat(chosen.map((row) => Buffer.from(row.etag, 'hex')));
    const etag = `${createHash('md5').update(digests).digest('hex')}-${chosen.length}`;
    return write(
      {
        bucket,
        key,
        size: body.length,
        etag,
        contentType: upload.content_type,
        headers: JSON.parse(upload.headers) as Record<string, string>,
        metadata: JSON.parse(upload.metadata) as Record<string, string>,
        tags: JSON.parse(upload.tags) as Tag[],
      },
      body,
      () => this.#forget(uploadId),
    );
  }

  abort(uploadId: string, bucket: string, key: string): void {
    this.#upload(uploadId, bucket, key);
    const db = this.store.db;
    const files = inTransaction(db, () => this.#forget(uploadId));
    for (const file of files) rmSync(path.join(this.store.folder, file), { force: true });
  }

  /** Deletes the upload's rows (inside the caller's transaction); the part files to remove after the commit. */
  #forget(uploadId: string): string[] {
    const db = this.store.db;
    const files = (db.prepare('SELECT file FROM s3_part WHERE upload_id = ?').all(uploadId) as { file: string }[]).map((row) => row.file);
    db.prepare('DELETE FROM s3_part WHERE upload_id = ?').run(uploadId);
    db.prepare('DELETE FROM s3_upload WHERE upload_id = ?').run(uploadId);
    return files;
  }

  #upload(uploadId: string, bucket: string, key: string): UploadRow {
    const row = this.store.db.prepare('SELECT * FROM s3_upload WHERE upload_id = ?').get(uploadId) as UploadRow | undefined;
    if (row === undefined || row.bucket !== bucket || row.key !== key) {
      throw new AwsError(
        'NoSuchUpload',
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
        404,
      );
    }
    return row;
  }
}
