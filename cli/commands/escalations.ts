import { GLOBAL_HELP, parseCommand } from '../args.js';
import { openTasks, ticketOf } from '../escalations.js';
import { selectFlows } from '../flows.js';
import { duration, table, time } from '../format.js';
import { appFlows } from './app-flows.js';
import type { Command } from './command.js';

export const HELP = `Usage: switchyard escalations [--flow <name>]

Lists the open human tasks: running executions of the app's Standard flows that wait on a
task token (the latest task scheduled with a taskToken, a re-asked question replacing the
refused one), with the ticket, the suggested queue, the model's confidence, which ask
this is, and the SLA (decideBy: the time left, or "overdue"). Answer them with
switchyard approve <ticket> or switchyard reject <ticket>.

  --flow <name>       one flow only

${GLOBAL_HELP}`;

export const escalations: Command = async (argv, io) => {
  const { values } = parseCommand(argv, { flow: { type: 'string' } }, false);
  if (values.help) return io.out(HELP);
  const clients = io.clients(values);
  const flows = selectFlows(await appFlows(clients, values['cdk-out'], io.err), values.flow);
  const tasks = await openTasks(clients, flows);
  tasks.sort((a, b) => (a.scheduledAt?.getTime() ?? 0) - (b.scheduledAt?.getTime() ?? 0));
  const now = Date.now();
  const rows = tasks.map((t) => {
    const decideBy = typeof t.question.decideBy === 'string' ? new Date(t.question.decideBy) : undefined;
    const confidence = t.question.confidence ?? t.input.confidence;
    return {
      ticketId: ticketOf(t),
      suggestedQueue: str(t.question.suggestedQueue ?? t.input.suggestedQueue),
      confidence: typeof confidence === 'number' ? confidence : undefined,
      attempt: typeof t.question.attempt === 'number' ? t.question.attempt : undefined,
      step: typeof t.question.step === 'number' ? t.question.step : undefined,
      stepName: str(t.question.stepName),
      reviewers: Array.isArray(t.question.reviewers) ? t.question.reviewers.map(String) : undefined,
      decideBy: decideBy && !Number.isNaN(decideBy.getTime()) ? decideBy : undefined,
      flow: t.flow,
      state: t.state,
      executionName: t.executionName,
      executionArn: t.executionArn,
      waitingSince: t.scheduledAt,
    };
  });
  if (values.json) {
    io.out(
      JSON.stringify(
        rows.map((r) => ({ ...r, decideBy: r.decideBy?.toISOString(), waitingSince: r.waitingSince?.toISOString() })),
        null,
        2,
      ),
    );
    return;
  }
  if (rows.length === 0) {
    io.out('no open escalations');
    return;
  }
  io.out(
    table(
      ['TICKET', 'SUGGESTED', 'CONFIDENCE', 'ASK', 'DECIDE BY', 'EXECUTION'],
      rows.map((r) => [
        r.ticketId ?? '-',
        r.suggestedQueue ?? '-',
        r.confidence === undefined ? '-' : r.confidence.toFixed(2),
        r.attempt === undefined ? '-' : String(r.attempt),
        r.decideBy === undefined
          ? '-'
          : `${time(r.decideBy)} (${r.decideBy.getTime() < now ? 'overdue' : `in ${duration(r.decideBy.getTime() - now)}`})`,
        r.executionName,
      ]),
    ),
  );
};

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
