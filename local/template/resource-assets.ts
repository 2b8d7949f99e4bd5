import { existsSync, statSync } from 'node:fs';
import { assetPathOf, type StackArtifact } from './cloud-assembly.js';
import type { Json } from './resolve.js';

/** A resource of a stack whose asset the loader looks for. */
export interface AssetOwner {
  /** `Stack/LogicalId (Type)`, what a warning names. */
  readonly where: string;
  readonly metadata: Record<string, unknown>;
  readonly properties: Record<string, Json>;
  /** Whether a service runs it: only then is a missing or unusable asset said. */
  readonly supported: boolean;
}

/**
 * Where the resource's asset was staged in the cloud assembly (a function's bundle folder, a
 * state machine's definition file), or undefined; a missing one, or an archive where code is
 * run from folders, is said through `warn`.
 */
export function resourceAssetPath(
  stack: StackArtifact,
  { where, metadata, properties, supported }: AssetOwner,
  warn: (message: string) => void,
): string | undefined {
  // A function's code is `Code`, a layer's is `Content`, a state machine's definition file
  // (CDK's DefinitionBody.fromFile, an L1's definitionS3Location) `DefinitionS3Location`, an
  // AppSync resolver's or function's code file (CDK's Code.fromAsset) `CodeS3Location`, an s3:// URL.
  const code = properties.Code ?? properties.Content;
  const location = (typeof code === 'object' ? code : undefined) ?? properties.DefinitionS3Location ?? properties.CodeS3Location;
  const objectKey =
    typeof location === 'object' && location !== null && !Array.isArray(location)
      ? (location.S3Key ?? location.Key)
      : typeof location === 'string'
        ? /^s3:\/\/[^/]+\/(.+)$/.exec(location)?.[1]
        : undefined;
  const assetPath = assetPathOf(stack, metadata, objectKey);
  if (assetPath === undefined) {
    if (supported && typeof objectKey === 'string') {
      warn(`${where}: ${code === undefined ? '' : 'code '}s3 object ${objectKey} is not an asset of this cloud assembly`);
    }
    return undefined;
  }
  if (!existsSync(assetPath)) {
    if (supported) warn(`${where}: asset ${assetPath} is missing; run \`npx cdk synth\` again`);
    return undefined;
  }
  if (supported && code !== undefined && !statSync(assetPath).isDirectory()) {
    warn(`${where}: asset ${assetPath} is an archive; the local runtime runs code from unpacked folders`);
  }
  return assetPath;
}
