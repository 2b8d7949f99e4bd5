import { shellQuote } from '../service-registry/report-lines.js';
import type { ServiceReport } from '../service-registry/service-module.js';
import type { StateMachineTemplate } from './definitions.js';

/**
 * The app's state machines, listed, and starting an execution of the first that no other one
 * starts as a command to try (after sending to a queue). An app with Express state machines is told how to start one
 * synchronously from outside the runtime: StartSyncExecution's model puts `sync-` before the
 * endpoint's host (`hostPrefix`), and the AWS CLI and the SDKs do so to a custom endpoint too,
 * so `sync-127.0.0.1` is looked up and not found ("Could not connect to the endpoint URL").
 */
export function stateMachineReport(
  stateMachines: readonly Pick<StateMachineTemplate, 'arn' | 'name' | 'type' | 'definition'>[],
  url: string,
): ServiceReport {
  // A state machine another one starts (its ARN in the other's definition) gets its input from that one: the starter is suggested.
  const started = (machine: (typeof stateMachines)[number]) =>
    stateMachines.some((other) => other !== machine && other.definition.includes(`"${machine.arn}"`));
  const first = stateMachines.find((machine) => !started(machine)) ?? stateMachines[0];
  if (first === undefined) return {};
  const express = stateMachines.filter((s) => s.type === 'EXPRESS').map((s) => s.name);
  const host = new URL(url).hostname;
  return {
    ...(express.length === 0
      ? {}
      : {
          lines: [
            `  express state machines (${express.join(', ')}): start-sync-execution goes to sync-${host}, which does not resolve; set AWS_DISABLE_HOST_PREFIX_INJECTION=true for the AWS CLI and boto3 (disableHostPrefix: true in SDK v3)`,
          ],
        }),
    tryIt: {
      rank: 3,
      listing: `  state machines: ${stateMachines.map((s) => s.arn).join(', ')}`,
      command: `stepfunctions start-execution --state-machine-arn ${first.arn} --input ${shellQuote('{}')}`,
    },
  };
}
