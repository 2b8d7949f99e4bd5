import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type ConsumerAppOptions, synthConsumerApp } from '../fixtures/consumer-app.js';
import { sharedOnce } from '../helpers/shared-once.js';

let fixture: string | undefined;

/**
 * The consumer fixture app synthesized into a folder of the test file's own (with `options`,
 * a separate one each call). Without options the app is bundled once per run, by the first
 * file that asks (test/helpers/shared-once.ts), and copied: a synthesis imports aws-cdk-lib
 * and runs esbuild, seconds a file. Its own module, so that the files that import
 * test/local/helpers.ts for its clients and polling do not load aws-cdk-lib.
 */
export function consumerFixture(options?: ConsumerAppOptions): string {
  const synth = () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-fixture-'));
    synthConsumerApp(outdir, options);
    return outdir;
  };
  if (options) return synth();
  fixture ??= copyOf(sharedOnce('consumer-fixture', (staging) => synthConsumerApp(staging))) ?? synth();
  return fixture;
}

/** A copy beside the shared one (bundles' source maps name their sources relative to the bundle, so at the same depth). */
function copyOf(shared: string | undefined): string | undefined {
  if (shared === undefined) return undefined;
  const outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-fixture-'));
  if (outdir.split(path.sep).length !== shared.split(path.sep).length) return undefined;
  cpSync(shared, outdir, { recursive: true });
  return outdir;
}
