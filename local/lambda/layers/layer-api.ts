import { AwsError } from '../../endpoint/aws-error.js';
import type { Clock } from '../../time/clock.js';
import {
  acceptCode,
  type CodeSource,
  functionCodeUrl,
  packageBytes,
  type S3Reader,
  storedDigest,
  unpackCode,
  zipPath,
} from '../control-plane/function-code.js';
import { checkLayerCompatibilities, lastModified } from '../control-plane/function-requests.js';
import { validateLambdaInput } from '../core/input-validation.js';
import { addLayerPermission, layerPolicyAnswer, removeLayerPermission } from './layer-permissions.js';
import { type LayerStore, type LayerVersion, versionArn } from './layer-store.js';

type Input = Readonly<Record<string, unknown>>;

export interface LayerApiOptions {
  readonly store: LayerStore;
  readonly clock: Clock;
  readonly readS3: S3Reader;
  readonly accountId: string;
  readonly region: string;
  /** The endpoint's URL, where a version's Content.Location downloads its zip (the read API). */
  readonly url?: string;
  /** Whether a function (or one of its versions) runs a layer folder: a deleted version's content stays for it, as in Lambda. */
  readonly inUse: (folder: string) => boolean;
}

const notFound = () => new AwsError('ResourceNotFoundException', 'The resource you requested does not exist.', 404);

/**
 * Lambda's layers made through its API (PublishLayerVersion, GetLayerVersion,
 * GetLayerVersionByArn, ListLayerVersions, ListLayers, DeleteLayerVersion, and the version's
 * permissions: AddLayerVersionPermission, RemoveLayerVersionPermission, GetLayerVersionPolicy), as the API
 * reference documents them and AWS answers them: versions numbered per layer name and never
 * again once deleted, the content unpacked where a function naming the version's ARN finds it
 * (its `/opt`), as the app's own layers are found.
 */
export class LayerApi {
  constructor(private readonly options: LayerApiOptions) {}

  /** The folder each published layer version is unpacked to, by its ARN (what a function's `Layers` names). */
  folders(): Record<string, string> {
    return Object.fromEntries(this.options.store.all().map((layer) => [versionArn(layer), layer.folder]));
  }

  /** The storage the published layer versions' archives take. */
  codeSize(): number {
    return this.options.store.all().reduce((sum, layer) => sum + layer.codeSize, 0);
  }

  /** The zip of a published layer's content by its digest (hex), for Content.Location; undefined for any other. */
  zipOf(digest: string): string | undefined {
    const found = this.options.store.all().some((layer) => storedDigest(layer.folder) === digest);
    return found ? zipPath(this.options.store.root, digest) : undefined;
  }

  async PublishLayerVersion(input: Input) {
    return this.#described(await this.#publish(input));
  }

  async GetLayerVersion(input: Input) {
    return this.#described(this.#version(layerNameOf(input.LayerName), versionNumber(input.VersionNumber)));
  }

  async GetLayerVersionByArn(input: Input) {
    const arn = /:layer:([a-zA-Z0-9-_]+):(\d+)$/.exec(String(input.Arn ?? ''));
    return this.#described(this.#version(arn?.[1] ?? '', Number(arn?.[2])));
  }

  async ListLayerVersions(input: Input) {
    const layerName = layerNameOf(input.LayerName);
    const versions = this.options.store.all().filter((l) => l.layerName === layerName && matches(l, input));
    return { LayerVersions: versions.map(listed) };
  }

  async ListLayers(input: Input) {
    const newest = new Map<string, LayerVersion>();
    for (const layer of this.options.store.all())
      if (matches(layer, input) && !newest.has(layer.layerName)) newest.set(layer.layerName, layer);
    const Layers = [...newest.values()].map((l) => ({ LayerName: l.layerName, LayerArn: l.layerArn, LatestMatchingVersion: listed(l) }));
    return { Layers };
  }

  /** Deleting a version that is not there succeeds, as in Lambda. */
  async DeleteLayerVersion(input: Input) {
    const layer = this.options.store.get(layerNameOf(input.LayerName), versionNumber(input.VersionNumber));
    if (layer) this.options.store.delete(layer, this.options.inUse);
    return {};
  }

  async AddLayerVersionPermission(input: Input) {
    return this.#permissions('AddLayerVersionPermission', input);
  }

  async RemoveLayerVersionPermission(input: Input) {
    return this.#permissions('RemoveLayerVersionPermission', input);
  }

  async GetLayerVersionPolicy(input: Input) {
    return this.#permissions('GetLayerVersionPolicy', input);
  }

  /** A layer version's resource-based policy (layer-permissions.ts), kept with the version. */
  #permissions(name: 'AddLayerVersionPermission' | 'RemoveLayerVersionPermission' | 'GetLayerVersionPolicy', input: Input): unknown {
    const layerName = layerNameOf(input.LayerName);
    const version = versionNumber(input.VersionNumber);
    const layer = this.options.store.get(layerName, version);
    if (!layer) {
      const arn = `arn:aws:lambda:${this.options.region}:${this.options.accountId}:layer:${layerName}:${version}`;
      throw new AwsError('ResourceNotFoundException', `Layer version ${arn} does not exist.`, 404);
    }
    if (name === 'GetLayerVersionPolicy') return layerPolicyAnswer(layer);
    // The path carries the version as text; the model's member is a number.
    validateLambdaInput(name, { ...input, VersionNumber: version });
    const changed = name === 'AddLayerVersionPermission' ? addLayerPermission(layer, input) : removeLayerPermission(layer, input);
    this.options.store.save(changed.layer);
    return changed.answer ?? {};
  }

  async #publish(input: Input): Promise<LayerVersion> {
    checkLayerCompatibilities(input.CompatibleRuntimes, input.CompatibleArchitectures);
    validateLambdaInput('PublishLayerVersion', input);
    const layerName = layerNameOf(input.LayerName);
    const zip = packageBytes((input.Content ?? {}) as CodeSource, this.options.readS3);
    const code = acceptCode(this.options.store.root, zip);
    await unpackCode(this.options.store.root, code.folder);
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    const list = (value: unknown) => (Array.isArray(value) ? value.map(String) : undefined);
    const licenseInfo = text(input.LicenseInfo);
    const runtimes = list(input.CompatibleRuntimes);
    const architectures = list(input.CompatibleArchitectures);
    const layer: LayerVersion = {
      layerName,
      version: this.options.store.nextVersion(layerName),
      layerArn: `arn:aws:lambda:${this.options.region}:${this.options.accountId}:layer:${layerName}`,
      description: text(input.Description) ?? '',
      ...(licenseInfo === undefined ? {} : { licenseInfo }),
      ...(runtimes === undefined ? {} : { compatibleRuntimes: runtimes }),
      ...(architectures === undefined ? {} : { compatibleArchitectures: architectures }),
      createdDate: lastModified(this.options.clock.now()),
      codeSha256: code.sha256,
      codeSize: code.size,
      folder: code.folder,
    };
    this.options.store.save(layer);
    return layer;
  }

  #version(layerName: string, version: number): LayerVersion {
    const layer = this.options.store.get(layerName, version);
    if (!layer) throw notFound();
    return layer;
  }

  /** A version as PublishLayerVersion, GetLayerVersion and GetLayerVersionByArn answer it. */
  #described(layer: LayerVersion) {
    return {
      Content: {
        Location: this.options.url ? functionCodeUrl(this.options.url, layer.folder) : '',
        CodeSha256: layer.codeSha256,
        CodeSize: layer.codeSize,
      },
      LayerArn: layer.layerArn,
      ...listed(layer),
    };
  }
}

/** A version as ListLayerVersions lists it (and ListLayers its LatestMatchingVersion). */
function listed(layer: LayerVersion) {
  return {
    LayerVersionArn: versionArn(layer),
    Version: layer.version,
    Description: layer.description,
    CreatedDate: layer.createdDate,
    ...(layer.compatibleRuntimes ? { CompatibleRuntimes: layer.compatibleRuntimes } : {}),
    ...(layer.licenseInfo === undefined ? {} : { LicenseInfo: layer.licenseInfo }),
    ...(layer.compatibleArchitectures ? { CompatibleArchitectures: layer.compatibleArchitectures } : {}),
  };
}

/** Whether a version is compatible with the runtime and architecture a list asks for (a version that names none is listed for none). */
function matches(layer: LayerVersion, input: Input): boolean {
  const runtime = input.CompatibleRuntime;
  const architecture = input.CompatibleArchitecture;
  return (
    (runtime === undefined || (layer.compatibleRuntimes ?? []).includes(String(runtime))) &&
    (architecture === undefined || (layer.compatibleArchitectures ?? []).includes(String(architecture)))
  );
}

/** A LayerName: the name, or the layer's ARN. */
function layerNameOf(value: unknown): string {
  const text = String(value ?? '');
  return /:layer:([^:]+)$/.exec(text)?.[1] ?? text;
}

/** A VersionNumber, which Lambda numbers from 1. */
function versionNumber(value: unknown): number {
  const number = Number(value);
  if (!(number >= 1)) throw new AwsError('InvalidParameterValueException', 'Layer Version Cannot be less than 1');
  return number;
}
