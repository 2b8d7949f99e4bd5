import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { EscalationDecisionSchema, TICKET_QUEUES, validatorFor } from '../../contracts/index.js';
import { GLOBAL_HELP, parseCommand } from '../args.js';
import { call, errorCode } from '../aws.js';
import { CliError, usageError } from '../errors.js';
import { findEscalation, openTaskOf } from '../escalations.js';
import { selectFlows } from '../flows.js';
import { appFlows } from './app-flows.js';
import type { Command } from './command.js';

const helpFor = (
  decision: 'approve' | 'reject',
) => `Usage: switchyard ${decision} <ticket|execution> ${decision === 'approve' ? '[--queue <queue>] ' : ''}[--reviewer <name>]

${
  decision === 'approve'
    ? 'Approves an open escalation: the ticket goes to --queue, or to the queue the model suggested.'
    : 'Rejects the suggestion of an open escalation: the ticket goes to --queue, or to the fallback queue.'
}
The decision ({"decision":"${decision}","queue"?,"reviewer"?}) is checked against the app's
EscalationDecision schema (contracts/tickets.ts) and sent with SendTaskSuccess to the
task token the escalation waits on now (after a refused answer, the latest ask's).

  <ticket|execution>  a ticket id, or the escalation's execution name or ARN
  --queue <queue>     ${TICKET_QUEUES.join(', ')}
  --reviewer <name>   who decided (kept on the TicketRouted event)
  --reason <text>     why, in the reviewer's words (kept on the TicketRouted event)

${GLOBAL_HELP}`;

export const APPROVE_HELP = helpFor('approve');
export const REJECT_HELP = helpFor('reject');

const validDecision = validatorFor(EscalationDecisionSchema);

function decideCommand(decision: 'approve' | 'reject'): Command {
  return async (argv, io) => {
    const { values, positionals } = parseCommand(argv, {
      flow: { type: 'string' },
      queue: { type: 'string' },
      reviewer: { type: 'string' },
      reason: { type: 'string' },
    });
    if (values.help) return io.out(helpFor(decision));
    if (positionals.length !== 1) throw usageError(`${decision} takes one <ticket|execution>: switchyard ${decision} T-1`);
    const wanted = String(positionals[0]);
    const answer: Record<string, unknown> = { decision };
    if (values.queue !== undefined) answer.queue = values.queue;
    if (values.reviewer !== undefined) answer.reviewer = values.reviewer;
    if (values.reason !== undefined) answer.reason = values.reason;
    checkDecision(answer);

    const clients = io.clients(values);
    const flows = selectFlows(await appFlows(clients, values['cdk-out'], io.err), values.flow);
    const escalation = await findEscalation(clients, flows, wanted);
    const what = escalation.ticketId ? `the escalation of ticket ${escalation.ticketId}` : `execution ${escalation.execution.name}`;
    if (escalation.execution.status !== 'RUNNING') {
      throw new CliError(`${what} is ${escalation.execution.status}: already decided (${escalation.execution.name})`);
    }
    const task = await openTaskOf(clients, escalation.flow, escalation.execution.executionArn as string);
    if (task === undefined) throw new CliError(`${what} waits on no decision now (${escalation.execution.name}): already decided`);
    try {
      await clients.sfn.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: JSON.stringify(answer) }));
    } catch (error) {
      if (['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'].includes(errorCode(error) ?? '')) {
        throw new CliError(`${what} no longer waits on this decision (${errorCode(error)}): already decided or its SLA ran out`);
      }
      await call(clients.target, () => Promise.reject(error));
    }
    const result = { ticketId: escalation.ticketId, executionArn: task.executionArn, flow: task.flow, state: task.state, decision: answer };
    if (values.json) io.out(JSON.stringify(result, null, 2));
    else io.out(`${decision === 'approve' ? 'approved' : 'rejected'} ${what} (${task.executionName}): ${JSON.stringify(answer)}`);
  };
}

/** The decision as the contract's schema checks it: a usage error naming the option at fault. */
function checkDecision(answer: Record<string, unknown>): void {
  const result = validDecision(answer);
  if (result.ok) return;
  const problems = result.errors.map((line) => {
    const [, at = '', message = line] = /^([^:]*): (.*)$/s.exec(line) ?? [];
    const field = at.replace(/^\//, '');
    if (field === 'queue') return `--queue must be one of ${TICKET_QUEUES.join(', ')} (got "${answer.queue}")`;
    if (field === '' && /additional properties/.test(message)) {
      const extra = Object.keys(answer).filter((k) => !['decision', 'queue', 'reviewer', 'reason'].includes(k));
      return extra
        .map((k) => `--${k}: the app's escalation decision (EscalationDecisionSchema in contracts/tickets.ts) has no ${k} field`)
        .join('; ');
    }
    return `decision.${field}: ${message}`.replace(/^decision\.(reviewer|reason)/, '--$1');
  });
  throw usageError(problems.join('; '));
}

export const approve = decideCommand('approve');
export const reject = decideCommand('reject');
