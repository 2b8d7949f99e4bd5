import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { JsonTable } from '../../store/json-table.js';
import { removeCode } from '../control-plane/function-code.js';
import type { FunctionPolicy } from '../core/function-definition.js';

/** A layer version PublishLayerVersion published, as Lambda's API describes it. */
export interface LayerVersion {
  readonly layerName: string;
  readonly version: number;
  /** `arn:aws:lambda:<region>:<account>:layer:<name>` (its version's ARN adds `:<version>`). */
  readonly layerArn: string;
  readonly description: string;
  readonly licenseInfo?: string;
  readonly compatibleRuntimes?: readonly string[];
  readonly compatibleArchitectures?: readonly string[];
  /** As Lambda writes it (`2026-05-01T10:00:00.000+0000`). */
  readonly createdDate: string;
  readonly codeSha256: string;
  readonly codeSize: number;
  /** The folder its zip is unpacked to: what a function naming it finds under /opt. */
  readonly folder: string;
  /** Its resource-based policy (AddLayerVersionPermission), if it has one. */
  readonly policy?: FunctionPolicy;
}

/** What a layer name keeps once its versions are gone: versions are never numbered again. */
interface LayerName {
  readonly name: string;
  readonly lastVersion: number;
}

/**
 * The layer versions Lambda's API published, kept in SQLite with their content unpacked under
 * the data folder's `lambda/layers/` (apart from the functions' packages, whose clean-up knows
 * nothing of layers): they come back after a restart, as the functions the API made do.
 */
export class LayerStore {
  readonly #versions: JsonTable<LayerVersion>;
  readonly #names: JsonTable<LayerName>;
  #root: string | undefined;

  /** `folder`: the data folder's `lambda/`; without one, a temporary folder made when content is first stored. */
  constructor(
    db: DatabaseSync,
    private readonly folder?: string,
  ) {
    this.#versions = new JsonTable(db, 'api_layer_versions', 'arn');
    this.#names = new JsonTable(db, 'api_layer_names', 'name');
  }

  /** Where layer zips are kept and unpacked, each by its digest (function-code.ts). */
  get root(): string {
    if (this.#root === undefined) {
      this.#root = path.join(this.folder ?? mkdtempSync(path.join(tmpdir(), 'switchyard-lambda-')), 'layers');
      mkdirSync(this.#root, { recursive: true });
    }
    return this.#root;
  }

  /** The number the next version of `name` gets. */
  nextVersion(name: string): number {
    return (this.#names.get(name)?.lastVersion ?? 0) + 1;
  }

  /** Keeps a version, a new one or one whose policy changed (the layer's last version number stays the highest). */
  save(layer: LayerVersion): void {
    this.#versions.put(versionArn(layer), layer);
    if (layer.version >= this.nextVersion(layer.layerName)) {
      this.#names.put(layer.layerName, { name: layer.layerName, lastVersion: layer.version });
    }
  }

  get(layerName: string, version: number): LayerVersion | undefined {
    return this.#rooted(this.#versions.all().find((l) => l.layerName === layerName && l.version === version));
  }

  /** Every version stored, newest of each layer first. */
  all(): LayerVersion[] {
    return this.#versions
      .all()
      .map((l) => this.#rooted(l) as LayerVersion)
      .sort((a, b) => a.layerName.localeCompare(b.layerName) || b.version - a.version);
  }

  /** Forgets a version; its content goes unless `inUse` (a function still runs it, as Lambda keeps it for them). */
  delete(layer: LayerVersion, inUse: (folder: string) => boolean): void {
    this.#versions.delete(versionArn(layer));
    const shared = this.all().some((l) => l.folder === layer.folder);
    if (!shared && !inUse(layer.folder)) removeCode(this.root, layer.folder);
  }

  /** A stored version with its folder under this data folder (which may have moved since). */
  #rooted(layer: LayerVersion | undefined): LayerVersion | undefined {
    return layer && { ...layer, folder: path.join(this.root, path.basename(layer.folder)) };
  }
}

/** A layer version's ARN. */
export function versionArn(layer: Pick<LayerVersion, 'layerArn' | 'version'>): string {
  return `${layer.layerArn}:${layer.version}`;
}
