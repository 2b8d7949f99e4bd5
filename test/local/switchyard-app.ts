import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { SwitchyardStackProps } from '../../lib/switchyard-stack.js';
import { LocalRuntime } from '../../local/runtime.js';
import type { RuntimeOptions } from '../../local/services/service-module.js';
import { switchyardAssembly } from '../helpers/switchyard-assembly.js';
import { credentials, region, tempDataDir } from './helpers.js';

export interface SwitchyardAppRuntime {
  readonly runtime: LocalRuntime;
  /** The events the hub accepted, as the runtime's console prints them, in order. */
  readonly busLines: string[];
  /** The cloud assembly the runtime runs (for the CLI's --cdk-out). */
  readonly cdkOut: string;
  /** SDK client settings for the runtime's endpoint. */
  readonly config: { endpoint: string; region: string; credentials: typeof credentials };
}

/**
 * This project's app, synthesized afresh, on a local runtime of its own (port 0, a temporary
 * data folder); `props` for an app configured otherwise (other escalation SLAs, say), `options`
 * for a runtime configured otherwise (a Step Functions clock the test moves, say).
 */
export async function startSwitchyardApp(
  props?: SwitchyardStackProps,
  options: Pick<RuntimeOptions, 'statesClock'> = {},
): Promise<SwitchyardAppRuntime> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-app-'));
  if (props === undefined || Object.keys(props).length === 0) await switchyardAssembly(outdir);
  else (await import('../helpers/synth.js')).synthSwitchyardApp(outdir, undefined, props);
  const busLines: string[] = [];
  const runtime = await LocalRuntime.start({
    ...options,
    cdkOut: outdir,
    dataDir: tempDataDir(),
    port: 0,
    log: (line) => {
      if (line.startsWith('[events] Switchyard-hub <-')) busLines.push(line);
    },
  });
  return { runtime, busLines, cdkOut: outdir, config: { endpoint: runtime.url, region, credentials } };
}
