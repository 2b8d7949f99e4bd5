import { rmSync } from 'node:fs';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { LocalRuntime } from '../../../local/runtime.js';
import type { Clock } from '../../../local/time/clock.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { credentials, region, tempDataDir } from '../helpers.js';
import { restartableRuntime } from '../restartable-runtime.js';

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
  const client = bedrockClient(runtime);
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

/** An SDK client of the runtime's Bedrock, one attempt per call: what a test sees is the runtime's first answer. */
function bedrockClient(runtime: LocalRuntime): BedrockRuntimeClient {
  return new BedrockRuntimeClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
}

/**
 * The suite's runtime with no app and the given SWITCHYARD_MODELS, started before its tests and
 * stopped after them; `client` is its Bedrock client (read inside a test or a later beforeAll).
 */
export function useBedrockRuntime(models: string) {
  return restartableRuntime({
    assembly: () => writeAssembly(tempAssemblyDir(), {}),
    ownsAssembly: true,
    options: { models },
    clients: (runtime) => ({ client: bedrockClient(runtime) }),
  });
}
