import { shellQuote } from '../service-registry/report-lines.js';
import type { ServiceReport } from '../service-registry/service-module.js';
import type { StateMachineTemplate } from './definitions.js';

/** The app's state machines, listed, and starting an execution of the first as a command to try (after sending to a queue). */
export function stateMachineReport(stateMachines: readonly Pick<StateMachineTemplate, 'arn'>[]): ServiceReport {
  const [first] = stateMachines;
  if (first === undefined) return {};
  return {
    tryIt: {
      rank: 3,
      listing: `  state machines: ${stateMachines.map((s) => s.arn).join(', ')}`,
      command: `stepfunctions start-execution --state-machine-arn ${first.arn} --input ${shellQuote('{}')}`,
    },
  };
}
