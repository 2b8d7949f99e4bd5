import type { EventEnvelope, EventSchemaDefinition, RuleDefinition } from '../events/definitions.js';
import { renderTargetInput, TargetInputError } from '../events/input-transform.js';
import { ANY_EVENT, matchingSamples, sampleEnvelope } from '../events/sample-event.js';
import { shellQuote } from '../service-registry/report-lines.js';
import type { ServiceReport } from '../service-registry/service-module.js';
import type { StateMachineTemplate } from './definitions.js';

/** What starts the app's state machines besides each other: its rules (and the event schemas it publishes, for their examples). */
export interface StateMachineStarters {
  readonly rules: readonly RuleDefinition[];
  readonly eventSchemas?: readonly EventSchemaDefinition[];
}

/**
 * The app's state machines, listed, and starting an execution of the first that no other one
 * starts as a command to try (after sending to a queue), with the input a rule that starts it would give it. An app with Express state machines is told how to start one
 * synchronously from outside the runtime: StartSyncExecution's model puts `sync-` before the
 * endpoint's host (`hostPrefix`), and the AWS CLI and the SDKs do so to a custom endpoint too,
 * so `sync-127.0.0.1` is looked up and not found ("Could not connect to the endpoint URL").
 */
export function stateMachineReport(
  stateMachines: readonly Pick<StateMachineTemplate, 'arn' | 'name' | 'type' | 'definition'>[],
  url: string,
  starters: StateMachineStarters = { rules: [] },
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
      // A rule's target gets the event the rule delivers (its input settings applied): `{}` is what no rule sends.
      command: `stepfunctions start-execution --state-machine-arn ${first.arn} --input ${shellQuote(ruleInput(first.arn, starters) ?? '{}')}`,
    },
  };
}

/**
 * The input an enabled rule that targets the machine would start it with: its target's input
 * (the whole event, `Input`, `InputPath`'s part, `InputTransformer`'s text) for the event the
 * rule delivers, a Scheduled Event for a schedule, else one its pattern matches, as EventBridge
 * wraps it. Undefined when no rule starts it (or none gives an event it can tell).
 */
function ruleInput(arn: string, { rules, eventSchemas = [] }: StateMachineStarters): string | undefined {
  const [, , , region = 'us-east-1', account = '000000000000'] = arn.split(':');
  for (const rule of rules) {
    if (rule.state !== 'ENABLED') continue;
    const target = rule.targets.find((candidate) => candidate.arn === arn);
    if (target === undefined) continue;
    const event = ruleEvent(rule, eventSchemas, { account, region });
    if (event === undefined) continue;
    try {
      return renderTargetInput(event, target, { ruleArn: rule.arn, ruleName: rule.name });
    } catch (error) {
      // A template EventBridge would not deliver (TargetInputError) starts nothing: another rule's, or the plain suggestion.
      if (error instanceof TargetInputError) continue;
      throw error;
    }
  }
  return undefined;
}

/** The event a rule delivers: a schedule's Scheduled Event from aws.events, or one its pattern matches. */
function ruleEvent(
  rule: RuleDefinition,
  schemas: readonly EventSchemaDefinition[],
  where: { readonly account: string; readonly region: string },
): EventEnvelope | undefined {
  if (rule.scheduleExpression !== undefined && rule.eventPattern === undefined) {
    return { ...sampleEnvelope({ source: 'aws.events', detailType: 'Scheduled Event', detail: {} }, where), resources: [rule.arn] };
  }
  const sample = matchingSamples(rule, schemas)[0] ?? matchingSamples(rule, schemas, ANY_EVENT)[0];
  return sample === undefined ? undefined : sampleEnvelope(sample, where);
}
