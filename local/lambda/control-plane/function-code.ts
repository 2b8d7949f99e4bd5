import { createHash, randomUUID } from 'node:crypto';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import { AwsError } from '../../endpoint/aws-error.js';
import { ZipReadError, zipEntries } from '../../s3/zip-entries.js';

/** Lambda's quota on a deployment package uploaded in the request (CodeSizeZipped); one in S3 is bounded unzipped only. */
const MAX_ZIPPED_BYTES = 52_428_800;

/** Lambda's quota on a deployment package once unzipped (CodeSizeUnzipped). */
const MAX_UNZIPPED_BYTES = 262_144_000;

/** Where a deployment package comes from, as CreateFunction's `Code` and UpdateFunctionCode name it. */
export interface CodeSource {
  /** The zip's bytes (the SDKs send them base64-encoded). */
  readonly ZipFile?: unknown;
  readonly S3Bucket?: unknown;
  readonly S3Key?: unknown;
  readonly S3ObjectVersion?: unknown;
  readonly ImageUri?: unknown;
}

/** Reads an object of the local S3 (its GetObject, which throws NoSuchBucket and NoSuchKey as S3 does). */
export type S3Reader = (bucket: string, key: string) => Buffer;

/** A deployment package unpacked in the data folder. */
export interface StoredCode {
  /** The folder its files are in: the function's task root. */
  readonly folder: string;
  /** SHA-256 of the zip, base64, as Lambda reports CodeSha256. */
  readonly sha256: string;
  /** The zip's size, as Lambda reports CodeSize. */
  readonly size: number;
}

/**
 * The zip a CreateFunction or UpdateFunctionCode request uploads or names in S3. An S3
 * object that cannot be read is refused as Lambda refuses it, naming S3's error.
 * @throws AwsError InvalidParameterValueException
 */
export function packageBytes(code: CodeSource, readS3: S3Reader): Buffer {
  if (code.ImageUri !== undefined) {
    throw new AwsError(
      'InvalidParameterValueException',
      'The local runtime runs functions of package type Zip only: container images (ImageUri) are not run locally',
    );
  }
  if (typeof code.ZipFile === 'string') {
    const zip = Buffer.from(code.ZipFile, 'base64');
    // "Smaller than": a package of the quota's size exactly is refused too, as AWS refuses it.
    if (zip.length >= MAX_ZIPPED_BYTES) {
      throw new AwsError('RequestEntityTooLargeException', `Zipped size must be smaller than ${MAX_ZIPPED_BYTES} bytes`, 413);
    }
    return zip;
  }
  if (typeof code.S3Bucket === 'string' && typeof code.S3Key === 'string') {
    try {
      return readS3(code.S3Bucket, code.S3Key);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      throw new AwsError(
        'InvalidParameterValueException',
        `Error occurred while GetObject. S3 Error Code: ${error.code}. S3 Error Message: ${error.message}`,
        400,
        { cause: error },
      );
    }
  }
  throw new AwsError(
    'InvalidParameterValueException',
    'Please provide a source for function code: Code.ZipFile, or Code.S3Bucket and Code.S3Key',
  );
}

/**
 * UpdateFunctionCode of a function of package type Zip (every function the local runtime runs)
 * takes a zip: an image is refused in Lambda's words.
 * @throws AwsError InvalidParameterValueException
 */
export function checkZipUpdate(code: CodeSource): void {
  if (code.ImageUri === undefined) return;
  throw new AwsError('InvalidParameterValueException', "Please don't provide ImageUri when updating a function with packageType Zip.");
}

/**
 * Takes a deployment package: checks that it is a zip whose entries stay inside the folder
 * it will be unpacked to (Lambda's words for one that is not) and keeps the zip under `root`
 * by its digest (what GetFunction's Code.Location downloads). The folder it runs from is
 * unpacked afterwards (unpackCode), while the function is Pending or its update InProgress.
 * @throws AwsError InvalidParameterValueException
 */
export function acceptCode(root: string, zip: Buffer): StoredCode {
  const digest = createHash('sha256').update(zip);
  const hex = digest.copy().digest('hex');
  const stored = { folder: path.join(root, hex), sha256: digest.digest('base64'), size: zip.length };
  if (existsSync(stored.folder)) return stored;
  unzipped(zip);
  const temporary = `${zipPath(root, hex)}.${randomUUID()}`;
  writeFileSync(temporary, zip);
  renameSync(temporary, zipPath(root, hex));
  return stored;
}

/**
 * Unpacks a package acceptCode took into its folder (two functions or versions of the same
 * zip share it), from the zip kept beside it; nothing is left half-written. A folder already
 * there is done.
 */
export async function unpackCode(root: string, folder: string): Promise<void> {
  if (existsSync(folder)) return;
  const entries = unzipped(await readFile(zipPath(root, storedDigest(folder))));
  const temporary = path.join(root, `.${storedDigest(folder)}.${randomUUID()}`);
  try {
    await mkdir(temporary, { recursive: true });
    for (const entry of entries) {
      const file = path.resolve(temporary, entry.path);
      await mkdir(path.dirname(file), { recursive: true });
      // An executable keeps its permission (a runtime wrapper, a layer's binary), as Lambda's unpacked package does.
      await writeFile(file, entry.body, entry.mode === undefined ? {} : { mode: entry.mode });
    }
    // Another change of the same zip may have unpacked it meanwhile: its folder is as good.
    if (!existsSync(folder)) await rename(temporary, folder);
  } finally {
    await rm(temporary, { recursive: true, force: true });
  }
}

/** Where the zip of a stored package is kept, by its digest (hex). */
export function zipPath(root: string, sha256Hex: string): string {
  return path.join(root, `${sha256Hex}.zip`);
}

/** The digest (hex) a stored package's folder is named by. */
export function storedDigest(folder: string): string {
  return path.basename(folder);
}

/** Where GetFunction says a package CreateFunction uploaded is downloaded from (its Code.Location): the read API, by its digest. */
export function functionCodeUrl(url: string, codePath: string): string {
  return `${url}${READ_API_PREFIX}${READ_API_PATHS.functionCode}${storedDigest(codePath)}.zip`;
}

/** Removes a stored package (its folder and zip) that no function or version runs any more. */
export function removeCode(root: string, folder: string): void {
  rmSync(folder, { recursive: true, force: true });
  rmSync(zipPath(root, storedDigest(folder)), { force: true });
}

/** The zip's files, each checked to stay inside the folder it is unpacked to. */
function unzipped(zip: Buffer): ReturnType<typeof zipEntries> {
  const unreadable = (cause: unknown) =>
    new AwsError(
      'InvalidParameterValueException',
      'Could not unzip uploaded file. Please check your file, then try to upload again.',
      400,
      {
        cause,
      },
    );
  let entries: ReturnType<typeof zipEntries>;
  try {
    entries = zipEntries(zip);
  } catch (error) {
    if (error instanceof ZipReadError || error instanceof RangeError) throw unreadable(error);
    throw error;
  }
  let size = 0;
  for (const entry of entries) {
    const normalized = path.posix.normalize(entry.path);
    if (path.posix.isAbsolute(normalized) || normalized.startsWith('../') || normalized === '..') {
      throw unreadable(new ZipReadError(`entry ${entry.path} lies outside the package`));
    }
    size += entry.body.length;
  }
  if (size >= MAX_UNZIPPED_BYTES) {
    throw new AwsError('InvalidParameterValueException', `Unzipped size must be smaller than ${MAX_UNZIPPED_BYTES} bytes`);
  }
  return entries;
}
