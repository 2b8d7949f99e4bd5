import { rmSync } from 'node:fs';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { LocalRuntime } from '../../../local/runtime.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { credentials, region, tempDataDir } from '../helpers.js';

/** A runtime with no app and the given SWITCHYARD_MODELS, and an SDK client for its Bedrock (one attempt per call). */
export async function startBedrockRuntime(
  models: string,
): Promise<{ runtime: LocalRuntime; client: BedrockRuntimeClient; stop(): Promise<void> }> {
  const dataDir = tempDataDir();
  const assembly = tempAssemblyDir();
  writeAssembly(assembly, {});
  const runtime = await LocalRuntime.start({ cdkOut: assembly, dataDir, port: 0, log: () => {}, models });
  const client = new BedrockRuntimeClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  return {
    runtime,
    client,
    stop: async () => {
      client.destroy();
      await runtime.stop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(assembly, { recursive: true, force: true });
    },
  };
}
