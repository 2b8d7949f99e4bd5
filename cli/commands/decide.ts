import { parseArgs } from 'node:util';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { decisionFields, decisionOf, type EscalationPolicyDescription, subjectLabel } from '../../clients/escalation-policy.js';
import { refusalOfLastAsk } from '../../clients/open-task.js';
import type { TSchema } from '../../contracts/index.js';
import { validatorFor } from '../../contracts/validator.js';
import { appFlows } from '../../inspect/app-flows.js';
import { defaultCdkOut, hasAssembly, readAssembly } from '../../inspect/assembly.js';
import { contractsInAssembly } from '../../inspect/assembly-contracts.js';
import { type Clients, call, errorCode } from '../../inspect/aws.js';
import { CliError, usageError } from '../../inspect/errors.js';
import { selectFlows } from '../../inspect/flows.js';
import { GLOBAL_HELP, GLOBAL_OPTIONS, parseCommand } from '../args.js';
import {
  type DecisionOutcome,
  decisionOutcome,
  type EscalationFlow,
  escalationFlows,
  findEscalation,
  openTaskOf,
  policiesInAssembly,
  subjectWord,
} from '../escalations.js';
import { historyOf } from '../fetch-history.js';
import type { Command } from './command.js';

type Choice = 'approve' | 'reject';
type Field = ReturnType<typeof decisionFields>[number];

/** The help, with the decision's fields when the cloud assembly names the app's policies. */
const helpFor = (choice: Choice, policies: readonly EscalationPolicyDescription[] = []) => {
  const fields = fieldsOf(policies);
  const word = subjectWord(policies);
  const shape = policies.length === 0 ? '{"decision":"approve"|"reject", ...}' : policies.map((p) => shapeOf(p, choice)).join(' or ');
  return `Usage: switchyard ${choice} <${word}|execution> [--<field> <value> ...] [--flow <name>]

${choice === 'approve' ? 'Approves' : 'Rejects'} an open escalation of the app's EscalationPolicy: sends the policy's
${choice} decision, ${shape}, with SendTaskSuccess to the task token the escalation waits on now (after a
refused answer, the latest ask's). The decision is checked first against the policy's
decision schema (its review.decisionSchema), and then by the policy itself: an answer the
policy refuses (a reviewer not on the current step of the chain, say) fails with the
reasons, as published on the policy's refusal event. An answer to an escalation that no
longer waits (already decided, or defaulted) is refused here and published the same way.

The policies, their fields and their events are read from the state machine definitions:
the cloud assembly's (--cdk-out), or the deployed ones without it.

${column(
  `<${word}|execution>`,
  policies.length === 0
    ? "what the escalation is about (the policy's subject: a ticket id, say),"
    : `a ${word} id (${[...new Set(policies.map((p) => p.ask.subjectField))].join(', ')}),`,
)}
                      or the escalation's execution name or ARN
${fields.map(optionLine).join('\n')}
  --flow <name>       the flow of the escalation, when several have one

${GLOBAL_HELP}`;
};

export const APPROVE_HELP = helpFor('approve');
export const REJECT_HELP = helpFor('reject');

function shapeOf(policy: EscalationPolicyDescription, choice: Choice): string {
  const rest = decisionFields(policy).map((f) => `"${f.name}"?`);
  return `{${[`"${policy.decision.field}":"${policy.decision.choices[choice]}"`, ...rest].join(',')}}`;
}

function optionLine(field: Field): string {
  const what = field.choices ? field.choices.join(', ') : (field.description ?? field.type ?? 'any JSON value');
  return column(`--${field.name} <${field.type === 'string' || field.type === undefined ? 'value' : field.type}>`, what);
}

/** A help line: the option, then what it takes from the 23rd column. */
function column(option: string, what: string): string {
  const left = `  ${option}`;
  return `${left.length >= 22 ? `${left} ` : left.padEnd(22)}${what}`;
}

/** The fields of every policy (the first one's description of a name wins). */
function fieldsOf(policies: readonly EscalationPolicyDescription[]): Field[] {
  const all = policies.length === 0 ? decisionFields(undefined) : policies.flatMap((p) => decisionFields(p));
  const byName = new Map<string, Field>();
  for (const field of all) if (!byName.has(field.name)) byName.set(field.name, field);
  return [...byName.values()];
}

/** Options before the decision's fields are known: where to look for them, and --help. */
function preliminary(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: { ...GLOBAL_OPTIONS, flow: { type: 'string' } }, strict: false, allowPositionals: true })
    .values;
}

function decideCommand(choice: Choice): Command {
  return async (argv, io) => {
    const first = preliminary(argv);
    const cdkOut = typeof first['cdk-out'] === 'string' ? first['cdk-out'] : undefined;
    const known = policiesInAssembly(cdkOut);
    if (first.help === true) return io.out(helpFor(choice, known));
    // Without an assembly the fields are the deployed policies': learnt from the target first.
    let flows: EscalationFlow[] | undefined;
    let clients: Clients | undefined;
    let policies = known;
    if (!hasAssembly(defaultCdkOut(cdkOut))) {
      clients = io.clients(first as Parameters<typeof io.clients>[0]);
      flows = await escalationFlows(
        clients,
        selectFlows(await appFlows(clients, cdkOut, io.err), typeof first.flow === 'string' ? first.flow : undefined),
        cdkOut,
      );
      policies = flows.flatMap((f) => f.policies);
    }
    const fields = fieldsOf(policies);
    const { values, positionals } = parseCommand(
      argv,
      Object.fromEntries([['flow', { type: 'string' }], ...fields.map((f) => [f.name, { type: 'string' }])]) as Record<
        string,
        { type: 'string' }
      >,
    );
    if (positionals.length !== 1) throw usageError(`${choice} takes one <${subjectWord(policies)}|execution>: switchyard ${choice} T-1`);
    const wanted = String(positionals[0]);
    const given = givenFields(fields, values as Record<string, unknown>);
    // One decision schema for the whole app: checked before anything is sent or looked up.
    const schemas = new Set(policies.map((p) => JSON.stringify(p.decision)));
    if (schemas.size === 1) checkDecision(policies[0] as EscalationPolicyDescription, decisionOf(policies[0], choice, given));

    clients ??= io.clients(values);
    flows ??= await escalationFlows(
      clients,
      selectFlows(await appFlows(clients, values['cdk-out'], io.err), values.flow),
      values['cdk-out'],
    );
    const escalation = await findEscalation(clients, flows, wanted, values['cdk-out']);
    const executionArn = escalation.execution.executionArn as string;
    const task = escalation.execution.status === 'RUNNING' ? await openTaskOf(clients, escalation.flow, executionArn) : undefined;
    const policy = task?.policy ?? escalation.policy;
    const answer = decisionOf(policy, choice, given);
    if (schemas.size !== 1 && policy) checkDecision(policy, answer);
    const subject = escalation.subject;
    const what = subject ? `the escalation of ${subjectLabel(policy)} ${subject}` : `execution ${escalation.execution.name}`;
    if (escalation.execution.status !== 'RUNNING') {
      const reason = `${what} is ${escalation.execution.status}: already decided (${escalation.execution.name})`;
      throw new CliError(await refusedHere(clients, policy, cdkOut, executionArn, answer, reason));
    }
    if (task === undefined) {
      const reason = `${what} waits on no decision now (${escalation.execution.name}): already decided`;
      throw new CliError(await refusedHere(clients, policy, cdkOut, executionArn, answer, reason));
    }
    await sendAnswer(clients, task.taskToken, answer, async (code) => {
      const reason = `${what} no longer waits on this decision (${code}): already decided, reassigned or its SLA ran out`;
      return new CliError(await refusedHere(clients, policy, cdkOut, executionArn, answer, reason));
    });
    const outcome = await verdict(clients, executionArn, task.taskToken);
    if (outcome?.accepted === false) {
      const published = policy ? `published as ${policy.refusal.detailType}; ` : '';
      throw new CliError(`${what}: the decision was refused: ${outcome.problems.join('; ')} (${published}asked again)`);
    }
    if (outcome === undefined) io.err(`${what}: the escalation's verdict on this decision was not seen within ${VERDICT_WAIT_MS / 1000} s`);
    const result = {
      subjectId: subject,
      ...(policy && subject !== undefined ? { [policy.ask.subjectField]: subject } : {}),
      executionArn: task.executionArn,
      flow: task.flow,
      state: task.state,
      decision: answer,
    };
    if (values.json) io.out(JSON.stringify(result, null, 2));
    else io.out(`${choice === 'approve' ? 'approved' : 'rejected'} ${what} (${task.executionName}): ${JSON.stringify(answer)}`);
  };
}

/** The decision's fields given as options, typed as the decision schema types them. */
function givenFields(fields: readonly { name: string; type?: string }[], values: Record<string, unknown>): Record<string, unknown> {
  const given: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.name];
    if (typeof value === 'string') given[field.name] = typed(value, field.type);
  }
  return given;
}

/** SendTaskSuccess with the answer; a token that no longer waits fails with `refused`'s error (the others as AWS errors). */
async function sendAnswer(
  clients: Clients,
  taskToken: string,
  answer: unknown,
  refused: (code: string | undefined) => Promise<CliError>,
): Promise<void> {
  try {
    await clients.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(answer) }));
  } catch (error) {
    if (['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'].includes(errorCode(error) ?? '')) throw await refused(errorCode(error));
    await call(clients.target, () => Promise.reject(error));
  }
}

/** An option's text as the decision schema types the field (a number, a flag, JSON); text otherwise. */
function typed(value: string, type: string | undefined): unknown {
  if ((type === 'number' || type === 'integer') && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  if (type === 'object' || type === 'array') {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
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
 * here, and published as the policy's refusal event (on the bus the last ask went out on,
 * about that ask) so the refusal is on the hub like the policy's own. Returns the message to show.
 */
async function refusedHere(
  clients: Clients,
  policy: EscalationPolicyDescription | undefined,
  cdkOut: string | undefined,
  executionArn: string,
  answer: Record<string, unknown>,
  reason: string,
): Promise<string> {
  if (policy === undefined || policy.refusal.detailType === '') return reason;
  const refusal = refusalOfLastAsk(await historyOf(clients, executionArn), policy, answer.reviewer, reason);
  if (refusal === undefined) return reason;
  // The refusal contract's own check, when the assembly publishes it.
  const dir = defaultCdkOut(cdkOut);
  const contract = hasAssembly(dir)
    ? contractsInAssembly(readAssembly(dir)).find((c) => c.detailType === policy.refusal.detailType)
    : undefined;
  if (contract !== undefined && !contract.validate(refusal.detail).ok) return reason;
  const { detailType, source } = policy.refusal;
  const published = await call(clients.target, () =>
    clients.events.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: refusal.eventBusName, Source: source, DetailType: detailType, Detail: JSON.stringify(refusal.detail) }],
      }),
    ),
  );
  return published.FailedEntryCount ? `${reason} (publishing ${detailType} failed)` : `${reason}; published as ${detailType}`;
}

/** The decision as the policy's decision schema checks it: a usage error naming the option at fault. */
function checkDecision(policy: EscalationPolicyDescription, answer: Record<string, unknown>): void {
  const schema = policy.decision.schema;
  if (schema === undefined) return;
  const result = validatorFor(schema as TSchema)(answer);
  if (result.ok) return;
  const fields = new Map(decisionFields(policy).map((f) => [f.name, f]));
  const problems = result.errors.map((line) => {
    const [, at = '', message = line] = /^([^:]*): (.*)$/s.exec(line) ?? [];
    const field = at.replace(/^\//, '').split('/')[0] ?? '';
    const missing = /^must have required property '(.+)'$/.exec(message)?.[1];
    if (field === '' && missing !== undefined) return `--${missing} is required by the app's decision schema`;
    if (field === policy.decision.field) {
      return `the app's decision schema takes no ${field} "${String(answer[field])}" (${message}): its EscalationPolicy review.choices and review.decisionSchema disagree`;
    }
    const known = fields.get(field);
    if (known?.choices) return `--${field} must be one of ${known.choices.join(', ')} (got ${JSON.stringify(String(answer[field]))})`;
    if (known) return `--${field}: ${message}`;
    return `decision${at.replaceAll('/', '.')}: ${message}`;
  });
  throw usageError([...new Set(problems)].join('; '));
}

export const approve = decideCommand('approve');
export const reject = decideCommand('reject');
