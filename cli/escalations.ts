import { DescribeExecutionCommand, type DescribeExecutionOutput, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { type OpenTaskInHistory, openTaskOfHistory, parseObject, ticketOf } from '../clients/open-task.js';
import { executionNameFor, idempotencyKeyOf, TicketCreated } from '../contracts/index.js';
import { type Clients, call, errorCode } from './aws.js';
import { CliError } from './errors.js';
import { historyOf } from './execution-history.js';
import type { Flow } from './flows.js';

export { ticketOf } from '../clients/open-task.js';

/** A human task an execution waits on (read from its history as the console reads it), with the flow it belongs to. */
export interface OpenTask extends OpenTaskInHistory {
  readonly flow: string;
}

/** The open task of one execution, or undefined when it waits on none. */
export async function openTaskOf(clients: Clients, flow: Flow, executionArn: string): Promise<OpenTask | undefined> {
  const task = openTaskOfHistory(executionArn, await historyOf(clients, executionArn));
  return task && { ...task, flow: flow.flow };
}

/** Every open human task of the app's Standard flows (Express flows cannot wait on a token). */
export async function openTasks(clients: Clients, flows: readonly Flow[]): Promise<OpenTask[]> {
  const tasks: OpenTask[] = [];
  for (const flow of flows.filter((f) => f.type === 'STANDARD')) {
    let nextToken: string | undefined;
    do {
      const page = await call(clients.target, () =>
        clients.sfn.send(new ListExecutionsCommand({ stateMachineArn: flow.arn, statusFilter: 'RUNNING', maxResults: 1000, nextToken })),
      );
      for (const e of page.executions ?? []) {
        const task = e.executionArn ? await openTaskOf(clients, flow, e.executionArn) : undefined;
        if (task) tasks.push(task);
      }
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return tasks;
}

/**
 * The name the app gives a ticket's executions: the workflow starter names the triage
 * execution after the TicketCreated idempotency key (both rules in contracts/identity.ts),
 * and the triage flow names its escalation the same (lib/flows/ticket-triage.ts).
 */
export function ticketExecutionName(ticketId: string): string {
  return executionNameFor(TicketCreated, idempotencyKeyOf(TicketCreated, { id: '', detail: { ticketId } }));
}

export interface Escalation {
  readonly flow: Flow;
  readonly execution: DescribeExecutionOutput;
  readonly ticketId?: string;
}

/**
 * The execution a reviewer means: an execution ARN, an execution name, or a ticket id
 * (its escalation is named after the ticket; an open task about the ticket otherwise).
 */
export async function findEscalation(clients: Clients, flows: readonly Flow[], wanted: string): Promise<Escalation> {
  const standard = flows.filter((f) => f.type === 'STANDARD');
  if (wanted.startsWith('arn:')) {
    const flow = standard.find((f) => wanted.startsWith(`${f.arn.replace(':stateMachine:', ':execution:')}:`));
    if (flow === undefined) throw new CliError(`${wanted} is not an execution of the app's Standard flows`);
    const execution = await describeIfAny(clients, wanted);
    if (execution === undefined) throw new CliError(`no execution ${wanted}`);
    return { flow, execution, ticketId: ticketOf({ question: {}, input: parseObject(execution.input) }) };
  }
  for (const name of [wanted, ticketExecutionName(wanted)]) {
    for (const flow of standard) {
      const execution = await describeIfAny(clients, `${flow.arn.replace(':stateMachine:', ':execution:')}:${name}`);
      if (execution === undefined) continue;
      const ticketId = ticketOf({ question: {}, input: parseObject(execution.input) });
      // A derived name is only this ticket's if its input says so.
      if (name === wanted || ticketId === wanted) return { flow, execution, ticketId };
    }
  }
  const task = (await openTasks(clients, standard)).find((t) => ticketOf(t) === wanted);
  const flow = standard.find((f) => f.flow === task?.flow);
  if (task && flow) {
    const execution = (await describeIfAny(clients, task.executionArn)) as DescribeExecutionOutput;
    return { flow, execution, ticketId: wanted };
  }
  throw new CliError(`no escalation for ticket or execution "${wanted}" in ${standard.map((f) => f.flow).join(', ') || "the app's flows"}`);
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
