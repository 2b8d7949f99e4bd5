import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { JsonTable } from '../../store/json-table.js';
import type { LegacyTagTable } from '../../store/tag-store.js';
import { tagMap } from '../../template/tags.js';
import type { FunctionDefinition } from '../core/function-definition.js';
import { removeCode } from './function-code.js';

/**
 * Before the TagStore, a function's record held its tags as its template's `Tags` (and each
 * version it published a copy): moved into the store by its unqualified ARN, the record
 * rewritten without them (LambdaTags), so that a version matches `$LATEST` as it did.
 */
export const LEGACY_FUNCTION_TAGS: LegacyTagTable = {
  table: 'api_functions',
  keyColumn: 'name',
  embedded: (document) => {
    const record = document as FunctionDefinition;
    if (record.template?.Tags === undefined) return undefined;
    const untagged = (d: FunctionDefinition): FunctionDefinition => {
      const { Tags: _tags, ...template } = d.template ?? {};
      return { ...d, template };
    };
    const published = record.published;
    return {
      arn: record.arn,
      pairs: Object.entries(tagMap(record.template.Tags)),
      without: {
        ...untagged(record),
        ...(published ? { published: Object.fromEntries(Object.entries(published).map(([v, d]) => [v, untagged(d)])) } : {}),
      },
    };
  },
};

/**
 * The functions Lambda's API created (CreateFunction), kept in SQLite with their versions and
 * aliases (their tags are LambdaTags'), their code unpacked under the data folder's
 * `lambda/code/`: they come back after a restart, as EventBridge's API-created buses and rules do (JsonTable). The template's
 * functions are re-applied at every start instead; one the template now declares under the
 * same name is the template's.
 */
export class FunctionStore {
  readonly #table: JsonTable<FunctionDefinition>;
  #codeRoot: string | undefined;

  /** `folder`: the data folder's `lambda/`; without one, a temporary folder made when a package is first stored. */
  constructor(
    db: DatabaseSync,
    private readonly folder?: string,
  ) {
    this.#table = new JsonTable(db, 'api_functions', 'name');
  }

  /** Where deployment packages are unpacked (function-code.ts), each in a folder named by its zip's digest. */
  get codeRoot(): string {
    if (this.#codeRoot === undefined) {
      this.#codeRoot = path.join(this.folder ?? mkdtempSync(path.join(tmpdir(), 'switchyard-lambda-')), 'code');
      mkdirSync(this.#codeRoot, { recursive: true });
    }
    return this.#codeRoot;
  }

  /** The stored functions, except those the template now declares (their rows go: the template's function is the one that runs). */
  load(templateNames: ReadonlySet<string>): FunctionDefinition[] {
    const loaded: FunctionDefinition[] = [];
    for (const definition of this.#table.all()) {
      if (templateNames.has(definition.name)) this.delete(definition);
      else loaded.push(this.#rooted(definition));
    }
    return loaded;
  }

  save(definition: FunctionDefinition): void {
    this.#table.put(definition.name, definition);
  }

  /** Forgets a function, and the packages only it (or its versions) ran. */
  delete(definition: FunctionDefinition): void {
    this.#table.delete(definition.name);
    const live = new Set(this.#table.all().flatMap(codeFolders));
    for (const folder of codeFolders(definition)) if (!live.has(folder)) removeCode(this.codeRoot, folder);
  }

  /** Removes the packages a function's update left behind (its new definition runs none of them, nor does any other). */
  release(before: FunctionDefinition, after: FunctionDefinition): void {
    const kept = new Set([...codeFolders(after), ...this.#table.all().flatMap(codeFolders)]);
    for (const folder of codeFolders(before)) if (!kept.has(folder)) removeCode(this.codeRoot, folder);
  }

  /** A stored function with its code folders under this data folder (which may have moved since it was stored). */
  #rooted(definition: FunctionDefinition): FunctionDefinition {
    const rebase = (d: FunctionDefinition) => ({ ...d, codePath: path.join(this.codeRoot, path.basename(d.codePath)) });
    const published = definition.published;
    return {
      ...rebase(definition),
      ...(published ? { published: Object.fromEntries(Object.entries(published).map(([v, d]) => [v, rebase(d)])) } : {}),
    };
  }
}

/** The code folders a function and its published versions run. */
function codeFolders(definition: FunctionDefinition): string[] {
  return [definition.codePath, ...Object.values(definition.published ?? {}).map((d) => d.codePath)];
}
