import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** A CloudFormation template as CDK writes it (JSON); values stay `unknown` until resolved. */
export interface Template {
  readonly AWSTemplateFormatVersion?: string;
  readonly Description?: string;
  readonly Transform?: unknown;
  readonly Parameters?: Record<string, TemplateParameter>;
  readonly Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  readonly Conditions?: Record<string, unknown>;
  readonly Resources?: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, TemplateOutput>;
  readonly Rules?: Record<string, unknown>;
}

export interface TemplateParameter {
  readonly Type: string;
  readonly Default?: unknown;
  readonly Description?: string;
  readonly NoEcho?: boolean | string;
}

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly DependsOn?: string | readonly string[];
  readonly Condition?: string;
}

export interface TemplateOutput {
  readonly Value: unknown;
  readonly Description?: string;
  readonly Condition?: string;
  readonly Export?: { readonly Name: unknown };
}

/** One `aws:cloudformation:stack` artifact of the assembly, with its template loaded. */
export interface StackArtifact {
  readonly artifactId: string;
  readonly stackName: string;
  /** The folder of the (possibly nested) assembly that holds the stack: asset paths are relative to it. */
  readonly assemblyDir: string;
  readonly templateFile: string;
  readonly template: Template;
  /** The account and region the stack was synthesized for, when they were concrete. */
  readonly environment: { readonly account?: string; readonly region?: string };
  /** S3 object key a template names (`<hash>.zip`) -> absolute path of the asset's source. */
  readonly assets: ReadonlyMap<string, string>;
  /** Logical ids of the template's AWS::CloudFormation::Stack resources. */
  readonly nestedStacks: readonly string[];
  /** Artifact ids of the stacks of the same assembly this one is deployed after (the manifest's `dependencies`). */
  readonly dependencies?: readonly string[];
  /**
   * CDK v1's asset parameters (`AssetParameters<hash>S3Bucket...`, `...S3VersionKey...`,
   * `...ArtifactHash...`) with the values the CDK CLI would pass at deploy time. They have
   * no default, and the local runtime runs the asset's folder, so nobody needs to give them.
   */
  readonly assetParameters?: Readonly<Record<string, string>>;
}

export interface CloudAssembly {
  readonly dir: string;
  readonly stacks: readonly StackArtifact[];
}

interface ManifestArtifact {
  readonly type: string;
  readonly environment?: string;
  readonly properties?: Record<string, unknown>;
  readonly dependencies?: readonly string[];
  /** Construct path -> metadata entries; CDK v1 lists its assets here (`aws:cdk:asset`). */
  readonly metadata?: Record<string, readonly { readonly type: string; readonly data?: unknown }[]>;
}

/** A CDK v1 file asset, as the manifest's `aws:cdk:asset` metadata entry describes it. */
interface LegacyAsset {
  readonly path?: string;
  readonly id?: string;
  readonly packaging?: string;
  readonly sourceHash?: string;
  readonly s3BucketParameter?: string;
  readonly s3KeyParameter?: string;
  readonly artifactHashParameter?: string;
}

/** The bucket CDK v1's toolkit stack stages assets in; no object is read from it locally. */
const LEGACY_STAGING_BUCKET = 'cdktoolkit-stagingbucket-local';
/** CDK v1 passes `<prefix>||<file name>` as the key parameter; templates split it on `||`. */
const LEGACY_KEY_SEPARATOR = '||';

interface AssetManifest {
  readonly files?: Record<
    string,
    {
      readonly source?: { readonly path?: string; readonly packaging?: string };
      readonly destinations?: Record<string, { readonly objectKey?: string }>;
    }
  >;
}

const STACK = 'aws:cloudformation:stack';
const ASSET_MANIFEST = 'cdk:asset-manifest';
/** A CDK Stage synthesizes into an assembly of its own, in a sub-folder. */
const NESTED_ASSEMBLY = 'cdk:cloud-assembly';

/** Reads the cloud assembly `cdk synth` wrote (its manifest, every stack's template and asset manifests). */
export function readCloudAssembly(cdkOut: string): CloudAssembly {
  const dir = path.resolve(cdkOut);
  return { dir, stacks: readAssembly(dir) };
}

function readAssembly(dir: string): StackArtifact[] {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new Error(`no cloud assembly at ${dir} (manifest.json is missing): run \`npx cdk synth\` first`);
  }
  const manifest = readJson(manifestFile) as { artifacts?: Record<string, ManifestArtifact> };
  const artifacts = manifest.artifacts ?? {};
  const stacks: StackArtifact[] = [];
  for (const [artifactId, artifact] of Object.entries(artifacts)) {
    if (artifact.type === NESTED_ASSEMBLY) {
      const directoryName = artifact.properties?.directoryName;
      if (typeof directoryName === 'string') stacks.push(...readAssembly(path.resolve(dir, directoryName)));
    } else if (artifact.type === STACK) {
      stacks.push(readStack(dir, artifactId, artifact, artifacts));
    }
  }
  return stacks;
}

function readStack(dir: string, artifactId: string, artifact: ManifestArtifact, all: Record<string, ManifestArtifact>): StackArtifact {
  const templateName = artifact.properties?.templateFile;
  if (typeof templateName !== 'string') throw new Error(`stack artifact ${artifactId} in ${dir} names no templateFile`);
  const templateFile = path.resolve(dir, templateName);
  const template = readJson(templateFile) as Template;
  const stackName = typeof artifact.properties?.stackName === 'string' ? artifact.properties.stackName : artifactId;

  // The stack's own asset manifests are among its dependencies; older assemblies list
  // them only at the top level, so fall back to every asset manifest there is.
  const own = (artifact.dependencies ?? []).map((id) => all[id]).filter((a) => a?.type === ASSET_MANIFEST);
  const manifests = own.length > 0 ? own : Object.values(all).filter((a) => a.type === ASSET_MANIFEST);
  const assets = new Map<string, string>();
  for (const manifest of manifests) {
    const file = manifest?.properties?.file;
    if (typeof file === 'string') addAssets(assets, dir, readJson(path.resolve(dir, file)) as AssetManifest);
  }

  const assetParameters = legacyAssetParameters(dir, artifact, assets);

  const nestedStacks = Object.entries(template.Resources ?? {})
    .filter(([, resource]) => resource.Type === 'AWS::CloudFormation::Stack')
    .map(([logicalId]) => logicalId);

  return {
    artifactId,
    stackName,
    assemblyDir: dir,
    templateFile,
    template,
    environment: parseEnvironment(artifact.environment),
    assets,
    nestedStacks,
    dependencies: (artifact.dependencies ?? []).filter((id) => all[id]?.type === STACK),
    ...(Object.keys(assetParameters).length > 0 ? { assetParameters } : {}),
  };
}

/**
 * CDK v1's asset parameters, valued as `cdk deploy` would value them (`assets/` + the
 * asset's hash and extension as the key), and each asset's object key added to `assets`
 * so that a function's resolved `Code.S3Key` leads to its folder.
 */
function legacyAssetParameters(dir: string, artifact: ManifestArtifact, assets: Map<string, string>): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const entries of Object.values(artifact.metadata ?? {})) {
    for (const entry of entries) {
      if (entry.type !== 'aws:cdk:asset' || typeof entry.data !== 'object' || entry.data === null) continue;
      const asset = entry.data as LegacyAsset;
      const hash = asset.sourceHash ?? asset.id;
      if (hash === undefined) continue;
      const extension = asset.packaging === 'file' && asset.path !== undefined ? path.extname(asset.path) : '.zip';
      const fileName = `${hash}${extension}`;
      if (asset.s3BucketParameter) parameters[asset.s3BucketParameter] = LEGACY_STAGING_BUCKET;
      if (asset.s3KeyParameter) parameters[asset.s3KeyParameter] = `assets/${LEGACY_KEY_SEPARATOR}${fileName}`;
      if (asset.artifactHashParameter) parameters[asset.artifactHashParameter] = hash;
      if (asset.path !== undefined) assets.set(`assets/${fileName}`, path.resolve(dir, asset.path));
    }
  }
  return parameters;
}

function addAssets(assets: Map<string, string>, dir: string, manifest: AssetManifest): void {
  for (const file of Object.values(manifest.files ?? {})) {
    // Assets built by a command (`executable`) have no source path to run locally.
    const source = file.source?.path;
    if (source === undefined) continue;
    for (const destination of Object.values(file.destinations ?? {})) {
      if (destination.objectKey !== undefined) assets.set(destination.objectKey, path.resolve(dir, source));
    }
  }
}

/** `aws://123456789012/eu-west-1`; CDK writes `unknown-account` / `unknown-region` for environment-agnostic stacks. */
function parseEnvironment(environment: string | undefined): { account?: string; region?: string } {
  const match = /^aws:\/\/([^/]*)\/(.*)$/.exec(environment ?? '');
  if (!match) return {};
  const [, account = '', region = ''] = match;
  return {
    ...(account !== '' && account !== 'unknown-account' ? { account } : {}),
    ...(region !== '' && region !== 'unknown-region' ? { region } : {}),
  };
}

/**
 * The absolute path of the asset a resource was built from: the `aws:asset:path` metadata
 * the CDK CLI adds (relative to the assembly), else the asset whose S3 object key the
 * resolved template names (a Lambda's `Code.S3Key`).
 */
export function assetPathOf(stack: StackArtifact, metadata: Record<string, unknown> | undefined, objectKey: unknown): string | undefined {
  const fromMetadata = metadata?.['aws:asset:path'];
  if (typeof fromMetadata === 'string') return path.resolve(stack.assemblyDir, fromMetadata);
  return typeof objectKey === 'string' ? stack.assets.get(objectKey) : undefined;
}

export function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`);
  }
}
