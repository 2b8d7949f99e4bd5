import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SwitchyardStackProps } from '../../lib/switchyard-stack.js';
import { LocalRuntime } from '../../local/runtime.js';
import type { RuntimeOptions } from '../../local/service-registry/service-module.js';
import { startedForTests } from '../helpers/started-for-tests.js';
import { switchyardAppFolder } from '../helpers/switchyard-assembly.js';
import { credentials, disposableData, eventually, region } from './helpers.js';

export interface SwitchyardAppRuntime {
  readonly runtime: LocalRuntime;
  /** The events the hub accepted, as the runtime's console prints them, in order. */
  readonly busLines: string[];
  /** Every line the runtime printed (functions' logs among them, prefixed with the function's name), in order. */
  readonly lines: string[];
  /** The cloud assembly the runtime runs (for the CLI's --cdk-out). */
  readonly cdkOut: string;
  /** SDK client settings for the runtime's endpoint. */
  readonly config: { endpoint: string; region: string; credentials: typeof credentials };
}

/**
 * This project's app, synthesized afresh, on a local runtime of its own (port 0, a temporary
 * data folder), with IAM enforced; `props` for an app configured otherwise (other escalation
 * SLAs, say), `options` for a runtime configured otherwise (a Step Functions clock the test moves, say).
 */
export async function startSwitchyardApp(
  props?: SwitchyardStackProps,
  options: Pick<RuntimeOptions, 'statesClock' | 'iam'> = {},
): Promise<SwitchyardAppRuntime> {
  const outdir = props === undefined || Object.keys(props).length === 0 ? await switchyardAppFolder() : await synthesizedWith(props);
  const busLines: string[] = [];
  const lines: string[] = [];
  const runtime = await LocalRuntime.start({
    // The reference app holds every grant it needs: AWS would refuse nothing it does.
    iam: 'enforce',
    ...options,
    cdkOut: outdir,
    ...disposableData(),
    port: 0,
    log: (line) => {
      lines.push(line);
      if (line.startsWith('[events] Switchyard-hub <-')) busLines.push(line);
    },
  });
  return { runtime, busLines, lines, cdkOut: outdir, config: { endpoint: runtime.url, region, credentials } };
}

/** The app synthesized with `props` in a new folder of its own (aws-cdk-lib and the app's constructs loaded only then). */
async function synthesizedWith(props: SwitchyardStackProps): Promise<string> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'switchyard-app-'));
  (await import('../helpers/synth.js')).synthSwitchyardApp(outdir, undefined, props);
  return outdir;
}

export interface SwitchyardAppClients extends SwitchyardAppRuntime {
  readonly events: EventBridgeClient;
  readonly sfn: SFNClient;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  /** The name of the app's one table whose name contains `part`. */
  tableNamed(part: string): Promise<string>;
  /** The ARN of the app's one state machine whose ARN contains `part`. */
  stateMachineArn(part: string): string;
}

/**
 * The reference app (see startSwitchyardApp) for the test file: started before its tests (two
 * minutes allowed for the synthesis when no other file of the run made it, three for one with
 * `props`, which no other file shares), then handed to `started` with SDK clients of its
 * endpoint; stopped after the file's tests.
 */
export function useSwitchyardApp(
  started: (app: SwitchyardAppClients) => void | Promise<void>,
  props?: SwitchyardStackProps,
  options: Pick<RuntimeOptions, 'statesClock' | 'iam'> = {},
): void {
  startedForTests(
    'the reference app',
    async (): Promise<SwitchyardAppClients> => {
      const running = await startSwitchyardApp(props, options);
      const dynamodb = new DynamoDBClient(running.config);
      return {
        ...running,
        events: new EventBridgeClient(running.config),
        sfn: new SFNClient(running.config),
        sqs: new SQSClient(running.config),
        dynamodb,
        async tableNamed(part) {
          const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
          return only(TableNames, part, 'table');
        },
        stateMachineArn: (part) =>
          only(
            running.runtime.definitions.stateMachines.map((m) => m.arn),
            part,
            'state machine',
          ),
      };
    },
    async (app) => {
      for (const client of [app.events, app.sfn, app.sqs, app.dynamodb]) client.destroy();
      await app.runtime.stop();
    },
    { setUp: async (app) => started(app), timeoutMs: props === undefined ? 120_000 : 180_000 },
  );
}

function only(names: readonly string[], part: string, what: string): string {
  const found = names.filter((name) => name.includes(part));
  if (found.length !== 1) throw new Error(`expected one ${what} named like ${part}, found ${JSON.stringify(found)}`);
  return found[0] as string;
}

/**
 * Resolves once the function whose name starts with `functionPrefix` (`Switchyard-OrderSaga...`)
 * has finished an invocation that began after `lines[from]`: what a test sent since then has
 * been through the function, however long that took, rather than after a guessed wait.
 */
export async function invocationEnded(lines: readonly string[], functionPrefix: string, from: number, timeoutMs = 30_000): Promise<void> {
  const prefix = `[${functionPrefix}`;
  await eventually(
    async () => {
      const begun = lines.slice(from).flatMap((line) => {
        const requestId = line.startsWith(prefix) ? /\] START RequestId: (\S+)/.exec(line)?.[1] : undefined;
        return requestId === undefined ? [] : [requestId];
      });
      return lines.slice(from).some((line) => line.startsWith(prefix) && begun.some((id) => line.includes(`] END RequestId: ${id}`)))
        ? true
        : undefined;
    },
    timeoutMs,
    `an invocation of ${functionPrefix} to end`,
  );
}
