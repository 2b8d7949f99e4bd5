/**
 * Runs CDK's bucket deployments as their provider does when CloudFormation creates or
 * updates one: each source archive extracted (its markers replaced by their deploy-time
 * values), then `aws s3 sync` to the destination (`--delete` when Prune, `--exclude` and
 * `--include`, the metadata options), an unchanged file not written again. A deployment runs
 * when it is new or changed, as a deploy would run it, not at every start: the fingerprint
 * of what ran is kept in the data folder. A deployment the template no longer has, or one
 * whose destination moved, empties its old destination unless RetainOnDelete.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../endpoint/aws-error.js';
import type { BucketDeploymentDefinition, DeploymentSource } from './bucket-deployment-definitions.js';
import { contentTypeOf } from './content-types.js';
import type { S3Service } from './s3-service.js';
import { ZipReadError, zipEntries } from './zip-entries.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS s3_deployment (
  id TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  bucket TEXT NOT NULL,
  prefix TEXT NOT NULL,
  retain INTEGER NOT NULL
);`;

/** The AWS CLI's metadata options the provider passes, as the object headers S3 keeps. */
const HEADER_OPTIONS = ['cache-control', 'content-disposition', 'content-encoding', 'content-language', 'expires'];

const CONTEXT = () => ({ requestId: 'bucket-deployment', sourceIp: '127.0.0.1' });

interface DeployedRow {
  id: string;
  fingerprint: string;
  bucket: string;
  prefix: string;
  retain: number;
}

export class BucketDeployments {
  constructor(
    private readonly s3: S3Service,
    private readonly db: DatabaseSync,
    private readonly log: (line: string) => void,
  ) {
    db.exec(SCHEMA);
  }

  /** Brings the buckets to what the deployments say: each new or changed one runs; one that is gone is removed. Answers those that ran. */
  apply(deployments: readonly BucketDeploymentDefinition[]): string[] {
    const ran: string[] = [];
    const rows = new Map((this.db.prepare('SELECT * FROM s3_deployment').all() as unknown as DeployedRow[]).map((r) => [r.id, r]));
    for (const deployment of deployments) {
      const fingerprint = fingerprintOf(deployment);
      const before = rows.get(deployment.id);
      rows.delete(deployment.id);
      if (before?.fingerprint === fingerprint) continue;
      if (before && !before.retain && (before.bucket !== deployment.bucket || before.prefix !== deployment.prefix)) {
        this.#empty(before.bucket, before.prefix);
      }
      try {
        this.#deploy(deployment);
      } catch (error) {
        if (!(error instanceof AwsError || error instanceof ZipReadError || error instanceof DeploymentSourceError)) throw error;
        // CloudFormation would fail the deployment; the rest of the app still runs.
        this.log(`bucket deployment ${deployment.id} failed: ${error.message}`);
        continue;
      }
      this.db
        .prepare('INSERT OR REPLACE INTO s3_deployment (id, fingerprint, bucket, prefix, retain) VALUES (?, ?, ?, ?, ?)')
        .run(deployment.id, fingerprint, deployment.bucket, deployment.prefix, deployment.retainOnDelete ? 1 : 0);
      ran.push(deployment.id);
    }
    for (const gone of rows.values()) {
      if (!gone.retain) this.#empty(gone.bucket, gone.prefix);
      this.db.prepare('DELETE FROM s3_deployment WHERE id = ?').run(gone.id);
      ran.push(`${gone.id} (removed)`);
    }
    return ran;
  }

  #deploy(d: BucketDeploymentDefinition): void {
    const files = new Map<string, Buffer>();
    for (const source of d.sources) for (const [file, body] of this.#sourceFiles(source, d.extract)) files.set(file, body);
    const included = (file: string) => filtered(file, d.exclude, d.include);
    const prefix = d.prefix;
    let written = 0;
    for (const [file, body] of files) {
      if (!included(file)) continue;
      if (this.#put(d, `${prefix}${file}`, body)) written++;
    }
    let deleted = 0;
    if (d.prune) {
      for (const key of this.#keysUnder(d.bucket, prefix)) {
        const file = key.slice(prefix.length);
        // sync --delete removes what the source no longer has, but never a file its filters leave out.
        if (files.has(file) || !included(file)) continue;
        this.s3.DeleteObject({ Bucket: d.bucket, Key: key }, CONTEXT());
        deleted++;
      }
    }
    this.log(
      `bucket deployment ${d.id}: ${written} of ${files.size} files written to s3://${d.bucket}/${prefix}${deleted > 0 ? `, ${deleted} pruned` : ''}`,
    );
  }

  /** The files one source brings, by their path in the destination. */
  #sourceFiles(source: DeploymentSource, extract: boolean): Map<string, Buffer> {
    const files = new Map<string, Buffer>();
    const archiveName = path.posix.basename(source.key);
    if (source.assetPath !== undefined && statSync(source.assetPath).isDirectory()) {
      // A folder asset is the archive before `cdk deploy` zips it: its files are the archive's entries.
      if (!extract)
        throw new DeploymentSourceError(`Extract false needs the archive of ${source.key}, which the assembly holds as a folder`);
      for (const file of walk(source.assetPath)) files.set(file, readFileSync(path.join(source.assetPath, file)));
    } else {
      const archive = source.assetPath !== undefined ? readFileSync(source.assetPath) : this.#object(source);
      if (!extract) files.set(archiveName, archive);
      else for (const entry of zipEntries(archive)) files.set(entry.path, entry.body);
    }
    if (Object.keys(source.markers).length === 0) return files;
    const tokens = Object.entries(source.markers).map(
      ([marker, value]) => [Buffer.from(marker), Buffer.from(markerValue(value, source.jsonEscape))] as const,
    );
    return new Map(
      [...files].map(([file, body]) => [file, tokens.reduce((text, [marker, value]) => replaceAll(text, marker, value), body)]),
    );
  }

  /** A source that is an object of a bucket (`Source.bucket`): read from the local S3, when the bucket is local. */
  #object(source: DeploymentSource): Buffer {
    try {
      return this.s3.GetObject({ Bucket: source.bucket, Key: source.key }).body;
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      throw new DeploymentSourceError(
        `its source s3://${source.bucket}/${source.key} is neither an asset of the cloud assembly nor a local object (${error.message})`,
      );
    }
  }

  /** Writes a file unless the object holds it already (as sync skips it); whether it wrote. */
  #put(d: BucketDeploymentDefinition, key: string, body: Buffer): boolean {
    const md5 = createHash('md5').update(body).digest('hex');
    const contentType = d.systemMetadata['content-type'] ?? contentTypeOf(key);
    const headers = Object.fromEntries(HEADER_OPTIONS.flatMap((name) => (d.systemMetadata[name] ? [[name, d.systemMetadata[name]]] : [])));
    try {
      const current = this.s3.HeadObject({ Bucket: d.bucket, Key: key });
      const same =
        current.etag === md5 &&
        current.contentType === (contentType ?? 'binary/octet-stream') &&
        JSON.stringify(current.metadata) === JSON.stringify(d.userMetadata);
      if (same) return false;
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
    }
    this.s3.PutObject(
      {
        Bucket: d.bucket,
        Key: key,
        Body: body,
        ...(contentType ? { ContentType: contentType } : {}),
        Headers: headers,
        Metadata: d.userMetadata,
      },
      CONTEXT(),
    );
    return true;
  }

  #keysUnder(bucket: string, prefix: string): string[] {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = this.s3.ListObjects({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) });
      keys.push(...page.Contents.map((o) => o.key));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys;
  }

  /** What the provider does for a deployment removed without RetainOnDelete: `aws s3 rm --recursive` of its destination. */
  #empty(bucket: string, prefix: string): void {
    try {
      for (const key of this.#keysUnder(bucket, prefix)) this.s3.DeleteObject({ Bucket: bucket, Key: key }, CONTEXT());
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
    }
  }
}

/**
 * What a deploy compares to decide whether the deployment changed: its properties, each
 * source by its object key (an asset's key is the hash of its content), not where the
 * assembly keeps the asset.
 */
function fingerprintOf(deployment: BucketDeploymentDefinition): string {
  const sources = deployment.sources.map(({ assetPath: _, ...source }) => source);
  return createHash('sha256')
    .update(JSON.stringify({ ...deployment, sources }))
    .digest('hex');
}

/** A deployment's source the runtime cannot read. */
export class DeploymentSourceError extends Error {
  override readonly name = 'DeploymentSourceError';
}

/** The files of a folder, as paths with `/` relative to it. */
function walk(root: string, dir = ''): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = dir === '' ? entry.name : `${dir}/${entry.name}`;
    return entry.isDirectory() ? walk(root, relative) : [relative];
  });
}

/**
 * Whether `aws s3 sync`'s filters keep a file: every file is in at first, then each
 * `--exclude` and `--include` that matches decides in turn (the provider passes the excludes
 * first), a pattern's `*` and `?` matching across `/` too.
 */
export function filtered(file: string, exclude: readonly string[], include: readonly string[]): boolean {
  let keep = true;
  for (const pattern of exclude) if (globMatches(pattern, file)) keep = false;
  for (const pattern of include) if (globMatches(pattern, file)) keep = true;
  return keep;
}

function globMatches(pattern: string, file: string): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) source += '\\[';
      else {
        const set = pattern.slice(i + 1, close);
        source += `[${set.startsWith('!') ? `^${set.slice(1)}` : set}]`;
        i = close;
      }
    } else source += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's').test(file);
}

/** A marker's value as the provider writes it: as is, or JSON-escaped (a string without its quotes). */
function markerValue(value: string, jsonEscape: boolean): string {
  return jsonEscape ? JSON.stringify(value).slice(1, -1) : value;
}

function replaceAll(body: Buffer, marker: Buffer, value: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = body.indexOf(marker); at >= 0; at = body.indexOf(marker, from)) {
    parts.push(body.subarray(from, at), value);
    from = at + marker.length;
  }
  if (from === 0) return body;
  parts.push(body.subarray(from));
  return Buffer.concat(parts);
}
