import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Entry {
  readonly versionId?: unknown;
  readonly source?: unknown;
  readonly document?: { readonly Version?: unknown; readonly Statement?: unknown };
}

const file = JSON.parse(readFileSync(new URL('../../../local/iam/aws-managed-policies.json', import.meta.url), 'utf8')) as {
  _about: string;
  source: unknown;
  policies: Record<string, Entry>;
};

/** The policy's page in the AWS Managed Policy Reference Guide. */
const REFERENCE_PAGE = /^https:\/\/docs\.aws\.amazon\.com\/aws-managed-policy\/latest\/reference\/([A-Za-z0-9+=,.@_-]+)\.html$/;
/** The policy's file in iann0036/iam-dataset (MIT) at a pinned commit. */
const DATASET_FILE =
  /^https:\/\/github\.com\/iann0036\/iam-dataset\/blob\/[0-9a-f]{40}\/aws\/managedpolicies\/([A-Za-z0-9+=,.@_-]+)\.json$/;

describe('aws-managed-policies.json', () => {
  it('names for every policy its default version and the AWS reference page or permissively licensed file its document was copied from', () => {
    const entries = Object.entries(file.policies);
    expect(entries.length).toBeGreaterThan(0);
    for (const [key, entry] of entries) {
      const name = key.split('/').pop();
      expect(entry.versionId, key).toMatch(/^v[1-9][0-9]*$/);
      const source = String(entry.source);
      const named = REFERENCE_PAGE.exec(source)?.[1] ?? DATASET_FILE.exec(source)?.[1];
      expect(named, `${key}: ${source}`).toBe(name);
      expect(entry.document?.Version, key).toBe('2012-10-17');
      expect(Array.isArray(entry.document?.Statement), key).toBe(true);
    }
  });

  it('names no copyleft source for its data', () => {
    // The documents were once copied from a GPL-3.0 repository; only AWS's pages and
    // permissively licensed copies of AWS's JSON may be their source now.
    expect(JSON.stringify({ about: file._about, source: file.source, policies: file.policies })).not.toMatch(/MAMIP|z0ph/i);
  });
});
