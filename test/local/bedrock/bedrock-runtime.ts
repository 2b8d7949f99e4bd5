import { rmSync } from 'node:fs';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { LocalRuntime } from '../../../local/runtime.js';
import type { Clock } from '../../../local/time/clock.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { credentials, region, tempDataDir } from '../helpers.js';

/**
 * A runtime with no app and the given SWITCHYARD_MODELS, and an SDK client for its Bedrock
 * (one attempt per call); `dataDir` and `clock` when a test restarts it or moves its time.
 */
export async function startBedrockRuntime(
  models: string,
  options: { readonly dataDir?: string; readonly clock?: Clock } = {},
): Promise<{ runtime: LocalRuntime; client: BedrockRuntimeClient; stop(options?: { keepData?: boolean }): Promise<void> }> {
  const dataDir = options.dataDir ?? tempDataDir();
  const assembly = tempAssemblyDir();
  writeAssembly(assembly, {});
  const runtime = await LocalRuntime.start({
    cdkOut: assembly,
    dataDir,
    port: 0,
    log: () => {},
    models,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const client = new BedrockRuntimeClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  return {
    runtime,
    client,
    stop: async ({ keepData = false } = {}) => {
      client.destroy();
      await runtime.stop();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
      rmSync(assembly, { recursive: true, force: true });
    },
  };
}
