import { summaryOf } from '../../clients/escalation-policy.js';
import { duration, table, time } from '../../clients/format.js';
import { appFlows } from '../../inspect/app-flows.js';
import { selectFlows } from '../../inspect/flows.js';
import { GLOBAL_HELP, parseCommand } from '../args.js';
import { escalationFlows, openTasks, subjectOf, subjectWord } from '../escalations.js';
import type { Command } from './command.js';

export const HELP = `Usage: switchyard escalations [--flow <name>]

Lists the open human tasks: running executions of the app's Standard flows that wait on a
task token (the latest task scheduled with a taskToken, a re-asked question replacing the
refused one), with what each is about, the fields its escalation policy shows, which ask
this is, and the SLA (decideBy: the time left, or "overdue"). Answer them with
switchyard approve <subject> or switchyard reject <subject>.

What an ask is about (its subject field: a ticket id, say) and which of its fields to show
come from the app's EscalationPolicy (its review prop), recorded in the state machine's
definition: read from the cloud assembly, or from the deployed definition without one.

  --flow <name>       one flow only

${GLOBAL_HELP}`;

export const escalations: Command = async (argv, io) => {
  const { values } = parseCommand(argv, { flow: { type: 'string' } }, false);
  if (values.help) return io.out(HELP);
  const clients = io.clients(values);
  const flows = await escalationFlows(
    clients,
    selectFlows(await appFlows(clients, values['cdk-out'], io.err), values.flow),
    values['cdk-out'],
  );
  const tasks = await openTasks(clients, flows);
  tasks.sort((a, b) => (a.scheduledAt?.getTime() ?? 0) - (b.scheduledAt?.getTime() ?? 0));
  const now = Date.now();
  const rows = tasks.map((t) => {
    const decideBy = typeof t.question.decideBy === 'string' ? new Date(t.question.decideBy) : undefined;
    const subject = subjectOf(t, t.policy);
    const summary = summaryOf(t, t.policy);
    return {
      policy: t.policy?.policy,
      subjectId: subject,
      // Also under the app's own name for it (ticketId), as the app's scripts know it.
      ...(t.policy ? { [t.policy.ask.subjectField]: subject } : {}),
      ...Object.fromEntries(summary.map((s) => [s.field, s.value])),
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
      summary,
    };
  });
  if (values.json) {
    io.out(
      JSON.stringify(
        rows.map(({ summary: _, ...r }) => ({ ...r, decideBy: r.decideBy?.toISOString(), waitingSince: r.waitingSince?.toISOString() })),
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
  // One column per field any listed policy shows, in the order the policies name them.
  const columns = [...new Map(rows.flatMap((r) => r.summary.map((s) => [s.field, s.label] as const))).entries()];
  const word = subjectWord(tasks.flatMap((t) => (t.policy ? [t.policy] : [])));
  io.out(
    table(
      [word.toUpperCase(), ...columns.map(([, label]) => label.toUpperCase()), 'ASK', 'DECIDE BY', 'EXECUTION'],
      rows.map((r) => [
        r.subjectId ?? '-',
        ...columns.map(([field]) => shown(r.summary.find((s) => s.field === field)?.value)),
        r.attempt === undefined ? '-' : String(r.attempt),
        r.decideBy === undefined
          ? '-'
          : `${time(r.decideBy)} (${r.decideBy.getTime() < now ? 'overdue' : `in ${duration(r.decideBy.getTime() - now)}`})`,
        r.executionName,
      ]),
    ),
  );
};

/** A field's value in a table cell: fractions to two places (a confidence), objects as JSON. */
function shown(value: unknown): string {
  if (value === undefined || value === null) return '-';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
