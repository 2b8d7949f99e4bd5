import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ConsumerAppOptions } from '../fixtures/consumer-app.js';
import { sharedIfReady, sharedOnce } from '../helpers/shared-once.js';
import { depth } from '../helpers/switchyard-assembly.js';

const KEY = 'consumer-fixture';

let fixture: string | undefined;

/**
 * The consumer fixture app synthesized into a folder of the test file's own (with `options`,
 * a separate one each call). Without options the app is bundled once per run, by the first
 * file that asks (test/helpers/shared-once.ts), and copied: a synthesis runs esbuild, and
 * test/fixtures/consumer-app.ts loads aws-cdk-lib and the constructs, seconds a file, so it
 * is imported only when this file has to synthesize.
 */
export async function consumerFixture(options?: ConsumerAppOptions): Promise<string> {
  if (options === undefined) {
    fixture ??= copyOf(sharedIfReady(KEY));
    if (fixture !== undefined) return fixture;
  }
  const { synthConsumerApp } = await import('../fixtures/consumer-app.js');
  if (options !== undefined) return synthesized((outdir) => synthConsumerApp(outdir, options));
  fixture = copyOf(sharedOnce(KEY, (staging) => synthConsumerApp(staging))) ?? synthesized(synthConsumerApp);
  return fixture;
}

function synthesized(synth: (outdir: string) => void): string {
  const outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-fixture-'));
  synth(outdir);
  return outdir;
}

/** A copy beside the shared one (bundles' source maps name their sources relative to the bundle, so at the same depth). */
function copyOf(shared: string | undefined): string | undefined {
  if (shared === undefined) return undefined;
  const outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-fixture-'));
  if (depth(outdir) !== depth(shared)) return undefined;
  cpSync(shared, outdir, { recursive: true });
  return outdir;
}
