import { parseArgs } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { launchRuntime, launchSettings, runtimeOptions } from '../../../local/launcher.js';
import type { LocalRuntime } from '../../../local/runtime.js';
import { SERVICE_MODULES } from '../../../local/service-registry/modules.js';
import { assemblyOf } from '../assembly.js';
import { tempDataDir } from '../helpers.js';

let runtime: LocalRuntime | undefined;

/** Starts an app as `switchyard dev` does, with these arguments; its start-up report's lines. */
async function launch(args: readonly string[]): Promise<string[]> {
  const report: string[] = [];
  const values = parseArgs({ args: ['--port', '0', ...args], options: runtimeOptions(SERVICE_MODULES), strict: true }).values;
  const dataDir = tempDataDir();
  runtime = await launchRuntime({
    cdkOut: assemblyOf({ Docs: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'docs' } } }),
    dataDir,
    settings: launchSettings(values, SERVICE_MODULES),
    root: dataDir,
    started: performance.now(),
    modules: SERVICE_MODULES,
    out: (line) => report.push(...line.split('\n')),
    warn: () => {},
    log: () => {},
  });
  return report;
}

describe('the leaf services in the start-up report', () => {
  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
  });

  it('names each leaf service with the backend --ai-services gives it', async () => {
    const report = await launch(['--ai-services', 'translate=openai:http://127.0.0.1:4731/v1']);
    expect(report).toContain(
      '  ai services (SWITCHYARD_AI_SERVICES): Textract simulated; Comprehend simulated; Translate model calls to openai:http://127.0.0.1:4731/v1, other operations simulated; Rekognition simulated; Polly simulated; Transcribe simulated; BedrockDataAutomationRuntime simulated',
    );
  });

  it('fails to start if --ai-services names a backend a service cannot take', async () => {
    await expect(launch(['--ai-services', 'polly=openai:http://127.0.0.1:4731/v1'])).rejects.toThrow(
      /a model backend answers only the services whose operations are model calls/,
    );
  });
});
