import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  DescribeStateMachineCommand,
  paginateListExecutions,
} from '@aws-sdk/client-sfn';
import {
  type EscalationPolicyDescription,
  escalationPoliciesIn,
  policyOfTask,
  subjectLabel,
  subjectOf,
} from '../clients/escalation-policy.js';
import { type OpenTaskInHistory, openTaskOfHistory, parseObject } from '../clients/open-task.js';
import {
  type CloudAssembly,
  defaultCdkOut,
  hasAssembly,
  readAssembly,
  resourcesOfType,
  stateMachineDefinition,
} from '../inspect/assembly.js';
import { type Clients, call, errorCode, pages } from '../inspect/aws.js';
import { CliError } from '../inspect/errors.js';
import { candidateExecutionNames } from '../inspect/execution-names.js';
import type { Flow } from '../inspect/flows.js';
import { historyOf } from './fetch-history.js';

export { subjectLabel, subjectOf } from '../clients/escalation-policy.js';

/** A human task an execution waits on (read from its history as the console reads it), with its flow and escalation policy. */
export interface OpenTask extends OpenTaskInHistory {
  readonly flow: string;
  /** The policy that asked, when the flow's definition records one (EscalationPolicy does). */
  readonly policy?: EscalationPolicyDescription;
}

/** A Standard flow with the escalation policies its definition records (none for a flow that only waits on tokens). */
export interface EscalationFlow extends Flow {
  readonly policies: readonly EscalationPolicyDescription[];
}

/** Every escalation policy of the cloud assembly at `cdkOut` (none without one): what the commands know before calling anything. */
export function policiesInAssembly(cdkOutOption: string | undefined): EscalationPolicyDescription[] {
  const cdkOut = defaultCdkOut(cdkOutOption);
  if (!hasAssembly(cdkOut)) return [];
  return resourcesOfType(readAssembly(cdkOut), 'AWS::StepFunctions::StateMachine').flatMap((r) =>
    escalationPoliciesIn(stateMachineDefinition(r)),
  );
}

/**
 * The app's Standard flows (Express flows cannot wait on a token) with their escalation
 * policies: read from the assembly's definition of each, or, for a flow the assembly does
 * not have (no cdk.out), from the deployed definition (DescribeStateMachine).
 */
export async function escalationFlows(
  clients: Clients,
  flows: readonly Flow[],
  cdkOutOption: string | undefined,
): Promise<EscalationFlow[]> {
  const cdkOut = defaultCdkOut(cdkOutOption);
  const assembly = hasAssembly(cdkOut) ? readAssembly(cdkOut) : undefined;
  const out: EscalationFlow[] = [];
  for (const flow of flows.filter((f) => f.type === 'STANDARD')) {
    const resource = assembly?.stacks
      .find((s) => s.stackName === flow.stackName)
      ?.resources.find((r) => r.logicalId === flow.logicalId && r.type === 'AWS::StepFunctions::StateMachine');
    const definition = resource
      ? stateMachineDefinition(resource)
      : (await call(clients.target, () => clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: flow.arn })))).definition;
    out.push({ ...flow, policies: escalationPoliciesIn(definition) });
  }
  return out;
}

/** The open task of one execution, or undefined when it waits on none. */
export async function openTaskOf(clients: Clients, flow: EscalationFlow, executionArn: string): Promise<OpenTask | undefined> {
  const task = openTaskOfHistory(executionArn, await historyOf(clients, executionArn));
  if (task === undefined) return undefined;
  const policy = policyOfTask(flow.policies, task);
  return { ...task, flow: flow.flow, ...(policy ? { policy } : {}) };
}

/** Every open human task of the given flows. */
export async function openTasks(clients: Clients, flows: readonly EscalationFlow[]): Promise<OpenTask[]> {
  const tasks: OpenTask[] = [];
  for (const flow of flows) {
    const paginator = paginateListExecutions(
      { client: clients.sfn, pageSize: 1000 },
      { stateMachineArn: flow.arn, statusFilter: 'RUNNING' },
    );
    for await (const page of pages(clients.target, paginator)) {
      for (const e of page.executions ?? []) {
        const task = e.executionArn ? await openTaskOf(clients, flow, e.executionArn) : undefined;
        if (task) tasks.push(task);
      }
    }
  }
  return tasks;
}

export interface Escalation {
  readonly flow: EscalationFlow;
  readonly execution: DescribeExecutionOutput;
  /** The subject the escalation is about (a ticket id), when its policy names it. */
  readonly subject?: string;
  readonly policy?: EscalationPolicyDescription;
}

/** How the app's escalations call their subject: the policies' own word when they agree ("ticket"), else "subject". */
export function subjectWord(policies: readonly EscalationPolicyDescription[]): string {
  const labels = new Set(policies.map((p) => subjectLabel(p)));
  return labels.size === 1 ? ([...labels][0] as string) : 'subject';
}

/**
 * The execution a reviewer means: an execution ARN, an execution name, or a subject id (a
 * ticket id). A subject's escalation is found by the names the workflow starter gives an
 * event's execution (an escalation started under its flow's name has it too; see
 * candidateExecutionNames), checked against the execution's input, and else among the
 * open tasks by the subject their ask names.
 */
export async function findEscalation(
  clients: Clients,
  flows: readonly EscalationFlow[],
  wanted: string,
  cdkOutOption: string | undefined,
): Promise<Escalation> {
  const escalation = (flow: EscalationFlow, execution: DescribeExecutionOutput): Escalation => {
    const input = parseObject(execution.input);
    const policy = flow.policies.length === 1 ? flow.policies[0] : undefined;
    const subject = subjectOf({ question: {}, input }, policy);
    return { flow, execution, ...(subject === undefined ? {} : { subject }), ...(policy ? { policy } : {}) };
  };
  if (wanted.startsWith('arn:')) {
    const flow = flows.find((f) => wanted.startsWith(`${f.arn.replace(':stateMachine:', ':execution:')}:`));
    if (flow === undefined) throw new CliError(`${wanted} is not an execution of the app's Standard flows`);
    const execution = await describeIfAny(clients, wanted);
    if (execution === undefined) throw new CliError(`no execution ${wanted}`);
    return escalation(flow, execution);
  }
  const cdkOut = defaultCdkOut(cdkOutOption);
  const assembly: CloudAssembly | undefined = hasAssembly(cdkOut) ? readAssembly(cdkOut) : undefined;
  const derived = assembly ? candidateExecutionNames(assembly, wanted).map((c) => c.name) : [];
  for (const name of [wanted, ...derived]) {
    for (const flow of flows) {
      // A derived name is only this subject's if the execution's input says so: a flow without a policy cannot say.
      if (name !== wanted && flow.policies.length === 0) continue;
      const execution = await describeIfAny(clients, `${flow.arn.replace(':stateMachine:', ':execution:')}:${name}`);
      if (execution === undefined) continue;
      const found = escalation(flow, execution);
      if (name === wanted || found.subject === wanted) return found;
    }
  }
  const task = (await openTasks(clients, flows)).find((t) => subjectOf(t, t.policy) === wanted);
  const flow = flows.find((f) => f.flow === task?.flow);
  if (task && flow) {
    const execution = (await describeIfAny(clients, task.executionArn)) as DescribeExecutionOutput;
    return { flow, execution, subject: wanted, ...(task.policy ? { policy: task.policy } : {}) };
  }
  const word = subjectWord(flows.flatMap((f) => f.policies));
  throw new CliError(`no escalation for ${word} or execution "${wanted}" in ${flows.map((f) => f.flow).join(', ') || "the app's flows"}`);
}

async function describeIfAny(clients: Clients, executionArn: string): Promise<DescribeExecutionOutput | undefined> {
  try {
    const { $metadata: _, ...execution } = await clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
    return execution;
  } catch (error) {
    if (errorCode(error) === 'ExecutionDoesNotExist' || errorCode(error) === 'InvalidArn') return undefined;
    return call(clients.target, () => Promise.reject(error));
  }
}

/** The escalation policy's verdict on an answer, and the latest ask, read as the console reads them. */
export {
  type DecisionOutcome,
  decisionOutcomeIn as decisionOutcome,
} from '../clients/open-task.js';
