import * as path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { handlerBuildOptions } from './handler-build.js';

const root = path.join(import.meta.dirname, '../..');
const entry = (file: string) => path.join(root, 'lambdas', file);

/**
 * Bytes each input contributes to a bundle of `file`, built as SwitchyardFunction builds it
 * by default (test/lambdas/handler-build.ts: its options and aliases).
 */
async function bundleInputs(file: string): Promise<Map<string, number>> {
  const { metafile } = await build({ ...handlerBuildOptions(entry(file)), entryPoints: [entry(file)], metafile: true });
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
  return new Map(Object.entries(output?.inputs ?? {}).map(([input, { bytesInOutput }]) => [input, bytesInOutput]));
}

const bytesOf = (inputs: Map<string, number>, pattern: RegExp) =>
  [...inputs].filter(([input]) => pattern.test(input)).reduce((sum, [, bytes]) => sum + bytes, 0);

describe('handler bundles', () => {
  it('hold the local model code but no Bedrock client and no model data for the local classify entry', async () => {
    const inputs = await bundleInputs('triage/classify-local.ts');
    expect(bytesOf(inputs, /local-model\/features\.ts$/)).toBeGreaterThan(0);
    expect(bytesOf(inputs, /client-bedrock-runtime|bedrock-classifier\.ts$/)).toBe(0);
    // The model is a file beside the bundle (TicketTriage's assetFiles), read only by this entry.
    expect(bytesOf(inputs, /model\.json$/)).toBe(0);
  });

  it('hold neither the local model nor its code for the Bedrock classify entry', async () => {
    const inputs = await bundleInputs('triage/classify-bedrock.ts');
    expect(bytesOf(inputs, /client-bedrock-runtime/)).toBeGreaterThan(0);
    expect(bytesOf(inputs, /local-model\//)).toBe(0);
  });

  it.each(['triage/classify-local.ts', 'pipeline/stage-handler.ts', 'webhooks/payments.ts'])(
    'keep only the TypeBox builders their contracts call in %s, not all of TypeBox',
    async (file) => {
      // All of TypeBox is ~75 KB minified; the builders the contracts use are under 10 KB.
      expect(bytesOf(await bundleInputs(file), /node_modules\/typebox\//)).toBeLessThan(15_000);
    },
  );

  it("leave Powertools Metrics out of a handler that never uses the kit's metrics, and keep it in one that does", async () => {
    const [logsOnly, consumer] = await Promise.all([
      bundleInputs('orders/durable-saga-handler.ts'),
      bundleInputs('workflow-starter/handler.ts'),
    ]);
    // The durable saga logs through the kit but publishes no metric; a queue consumer counts its records.
    expect(bytesOf(logsOnly, /@aws-lambda-powertools\/logger\//)).toBeGreaterThan(0);
    // Metrics itself (~12 KB) is left out; what remains is esbuild's trace of its modules, tens of bytes.
    expect(bytesOf(logsOnly, /@aws-lambda-powertools\/metrics\//)).toBeLessThan(1024);
    expect(bytesOf(consumer, /@aws-lambda-powertools\/metrics\//)).toBeGreaterThan(0);
  });
});
