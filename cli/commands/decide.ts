import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { refusalOfLastAsk } from '../../clients/open-task.js';
import { EscalationDecisionSchema, TICKET_QUEUES, TicketDecisionRefused, validatorFor } from '../../contracts/index.js';
import { GLOBAL_HELP, parseCommand } from '../args.js';
import { type Clients, call, errorCode } from '../aws.js';
import { CliError, usageError } from '../errors.js';
import { type DecisionOutcome, decisionOutcome, findEscalation, openTaskOf } from '../escalations.js';
import { historyOf } from '../execution-history.js';
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
task token the escalation waits on now (after a refused answer, the latest ask's). It then
waits for the escalation's verdict: an answer the escalation policy refuses (a reviewer
not on the current step of the chain, say) fails with the reasons, as published on
TicketDecisionRefused. An answer to an escalation that no longer waits (already decided,
or defaulted) is refused here and published as TicketDecisionRefused with the reason.

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
    const executionArn = escalation.execution.executionArn as string;
    if (escalation.execution.status !== 'RUNNING') {
      const reason = `${what} is ${escalation.execution.status}: already decided (${escalation.execution.name})`;
      throw new CliError(await refusedHere(clients, executionArn, answer, reason));
    }
    const task = await openTaskOf(clients, escalation.flow, executionArn);
    if (task === undefined) {
      throw new CliError(
        await refusedHere(
          clients,
          executionArn,
          answer,
          `${what} waits on no decision now (${escalation.execution.name}): already decided`,
        ),
      );
    }
    try {
      await clients.sfn.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: JSON.stringify(answer) }));
    } catch (error) {
      if (['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'].includes(errorCode(error) ?? '')) {
        const reason = `${what} no longer waits on this decision (${errorCode(error)}): already decided, reassigned or its SLA ran out`;
        throw new CliError(await refusedHere(clients, executionArn, answer, reason));
      }
      await call(clients.target, () => Promise.reject(error));
    }
    const outcome = await verdict(clients, executionArn, task.taskToken);
    if (outcome?.accepted === false) {
      throw new CliError(
        `${what}: the decision was refused: ${outcome.problems.join('; ')} (published as TicketDecisionRefused; asked again)`,
      );
    }
    if (outcome === undefined) io.err(`${what}: the escalation's verdict on this decision was not seen within ${VERDICT_WAIT_MS / 1000} s`);
    const result = { ticketId: escalation.ticketId, executionArn: task.executionArn, flow: task.flow, state: task.state, decision: answer };
    if (values.json) io.out(JSON.stringify(result, null, 2));
    else io.out(`${decision === 'approve' ? 'approved' : 'rejected'} ${what} (${task.executionName}): ${JSON.stringify(answer)}`);
  };
}

const VERDICT_WAIT_MS = 10_000;

/** Waits for the escalation policy to accept or refuse the answer sent to `taskToken`. */
async function verdict(clients: Clients, executionArn: string, taskToken: string): Promise<DecisionOutcome> {
  const deadline = Date.now() + VERDICT_WAIT_MS;
  for (;;) {
    const outcome = decisionOutcome(await historyOf(clients, executionArn), taskToken);
    if (outcome !== undefined || Date.now() > deadline) return outcome;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * An answer that reaches no open task never reaches the escalation either: it is refused
 * here, and published as TicketDecisionRefused (on the bus the last ask went out on, about
 * that ask) so the refusal is on the hub like the policy's own. Returns the message to show.
 */
async function refusedHere(clients: Clients, executionArn: string, answer: Record<string, unknown>, reason: string): Promise<string> {
  const refusal = refusalOfLastAsk(await historyOf(clients, executionArn), answer.reviewer, reason);
  if (refusal === undefined || !TicketDecisionRefused.validate(refusal.detail).ok) return reason;
  const { eventBusName, detail } = refusal;
  const published = await call(clients.target, () =>
    clients.events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: eventBusName,
            Source: TicketDecisionRefused.source,
            DetailType: TicketDecisionRefused.detailType,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    ),
  );
  return published.FailedEntryCount
    ? `${reason} (publishing TicketDecisionRefused failed)`
    : `${reason}; published as TicketDecisionRefused`;
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
