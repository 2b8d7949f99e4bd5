import { duration, h, message, replace, time } from '../dom.js';
import {
  decide,
  decisionFields,
  decisionOf,
  decisionProblems,
  type OpenTask,
  openTasks,
  subjectLabel,
  subjectOf,
  summaryOf,
} from '../escalations.js';
import { subscribe } from '../feed.js';
import { flowLabel } from '../names.js';
import { coalescedReload } from '../refresh.js';
import { executionHref } from '../routes.js';

const REVIEWER_KEY = 'switchyard.console.reviewer';

/**
 * Open human tasks with what each is about, the fields its escalation policy shows and the
 * SLA; approve or reject each from the page, with the fields of the policy's decision.
 */
export function escalationsPage(root: HTMLElement): () => void {
  const list = h('div', {}, h('p', { class: 'muted' }, 'Loading open escalations…'));
  const status = h('div', { class: 'flash', role: 'status', 'aria-live': 'polite' });
  replace(
    root,
    h('h1', {}, 'Escalations'),
    h(
      'p',
      { class: 'muted' },
      'Running executions of Standard flows that wait on a task token. A decision is checked against the decision schema of the app’s escalation policy and sent with SendTaskSuccess to the token the execution waits on now.',
    ),
    status,
    list,
  );
  let stopped = false;
  const load = async () => {
    try {
      const tasks = await openTasks();
      if (stopped) return;
      replace(
        list,
        tasks.length === 0
          ? h('p', { class: 'muted', 'data-testid': 'no-escalations' }, 'No open escalations.')
          : tasks.map((t) => escalationCard(t, status, load, () => stopped)),
      );
    } catch (error) {
      if (!stopped) replace(list, h('p', { class: 'error' }, message(error)));
    }
  };

  void load();
  const reload = coalescedReload(500, () => void load());
  const unsubscribe = subscribe((m) => {
    // A new ask (a task scheduled), an answer (its end) or an execution ending changes the list.
    const type = m.kind === 'execution' ? m.historyEvent?.type : undefined;
    if (m.kind !== 'execution' || (type !== undefined && !/^(Task(Scheduled|Succeeded|Failed|TimedOut)|Execution)/.test(type))) return;
    reload.ask();
  });
  return () => {
    stopped = true;
    unsubscribe();
    reload.cancel();
  };
}

/** A field of the policy's decision with the control that edits it. */
interface DecisionControl {
  readonly field: ReturnType<typeof decisionFields>[number];
  readonly control: HTMLInputElement | HTMLSelectElement;
}

/** A card's decision form as its buttons send it: where the answer and the problems go. */
interface DecisionForm {
  readonly task: OpenTask;
  readonly subject: string | undefined;
  readonly label: string;
  readonly controls: readonly DecisionControl[];
  readonly problems: HTMLElement;
  /** Approve and Reject, disabled while a decision is sent. */
  readonly buttons: HTMLButtonElement[];
  readonly status: HTMLElement;
  readonly reload: () => Promise<void>;
  /** The page was left: a decision sent is followed no further. */
  readonly stopped: () => boolean;
}

/** An open task: what it is about, the ask and its SLA, the whole question, and a form to decide it. */
function escalationCard(task: OpenTask, status: HTMLElement, reload: () => Promise<void>, stopped: () => boolean): HTMLElement {
  const policy = task.policy;
  const subject = subjectOf(task, policy);
  const label = subjectLabel(policy);
  const controls = decisionControls(policy);
  const { taskToken: _, ...question } = task.question;
  return h(
    'article',
    { class: 'escalation', 'data-subject': subject ?? '', 'data-execution': task.executionArn },
    h('h2', {}, subject ? `${capitalized(label)} ${subject}` : task.executionName),
    taskFacts(task),
    // Everything the ask says, for what the summary leaves out.
    h('details', {}, h('summary', {}, 'The question'), h('pre', {}, JSON.stringify(question, null, 2))),
    decisionForm({
      task,
      subject,
      label,
      controls,
      problems: h('p', { class: 'error', role: 'alert' }),
      buttons: [],
      status,
      reload,
      stopped,
    }),
  );
}

/** The task's summary fields as its policy names them, the ask, the deadline, the wait and the execution. */
function taskFacts(task: OpenTask): HTMLElement {
  const decideBy = typeof task.question.decideBy === 'string' ? new Date(task.question.decideBy) : undefined;
  const now = Date.now();
  return h(
    'dl',
    {},
    summaryOf(task, task.policy).map((s) => [h('dt', {}, capitalized(s.label)), h('dd', {}, shown(s.value))]),
    h('dt', {}, 'Ask'),
    h('dd', {}, typeof task.question.attempt === 'number' ? String(task.question.attempt) : '-'),
    h('dt', {}, 'Decide by'),
    h(
      'dd',
      { class: decideBy && decideBy.getTime() < now ? 'overdue' : '' },
      decideBy && !Number.isNaN(decideBy.getTime())
        ? `${time(decideBy)} (${decideBy.getTime() < now ? 'overdue' : `in ${duration(decideBy.getTime() - now)}`})`
        : '-',
    ),
    h('dt', {}, 'Waiting since'),
    h('dd', {}, time(task.scheduledAt)),
    h('dt', {}, 'Execution'),
    h(
      'dd',
      {},
      h('a', { href: executionHref(task.executionArn) }, flowLabel(task.flow), ` / ${task.executionName}`),
      ` (state ${task.state})`,
    ),
  );
}

/** One control per field of the policy's decision: a list for a field with set values, a text box otherwise. */
function decisionControls(policy: OpenTask['policy']): DecisionControl[] {
  return decisionFields(policy).map((field) => {
    const control =
      field.choices === undefined
        ? (h('input', {
            name: field.name,
            value: field.name === 'reviewer' ? (sessionStorage.getItem(REVIEWER_KEY) ?? '') : undefined,
            autocomplete: field.name === 'reviewer' ? 'name' : undefined,
          }) as HTMLInputElement)
        : (h(
            'select',
            { name: field.name },
            h('option', { value: '' }, '(none)'),
            field.choices.map((c) => h('option', { value: c }, c)),
          ) as HTMLSelectElement);
    return { field, control };
  });
}

/** The decision's fields, Approve and Reject, and the problems the policy finds in a decision. */
function decisionForm(form: DecisionForm): HTMLElement {
  const button = (kind: 'approve' | 'reject', text: string) => {
    const b = h(
      'button',
      { type: 'button', class: kind, 'data-action': kind, onclick: () => void submitDecision(form, kind) },
      text,
    ) as HTMLButtonElement;
    form.buttons.push(b);
    return b;
  };
  return h(
    'form',
    { class: 'decision', onsubmit: (e: Event) => e.preventDefault() },
    form.controls.map(({ field, control }) => h('label', {}, `${capitalized(field.name)} `, control)),
    h('div', { class: 'buttons' }, button('approve', 'Approve'), button('reject', 'Reject')),
    form.problems,
  );
}

/** Checks the decision against the policy's schema and sends it; the page is read again once it is sent. */
async function submitDecision(form: DecisionForm, kind: 'approve' | 'reject'): Promise<void> {
  const { task, subject, label, controls, problems, buttons, status } = form;
  const policy = task.policy;
  const fields: Record<string, unknown> = {};
  for (const { field, control } of controls) {
    const value = control.value.trim();
    if (value !== '') fields[field.name] = typed(value, field.type);
  }
  const decision = decisionOf(policy, kind, fields);
  const found = decisionProblems(policy, decision);
  replace(problems, found.join('; '));
  if (found.length > 0) return;
  if (typeof fields.reviewer === 'string') sessionStorage.setItem(REVIEWER_KEY, fields.reviewer);
  for (const b of buttons) b.disabled = true;
  const what = `${kind === 'approve' ? 'Approved' : 'Rejected'} ${subject ? `${label} ${subject}` : task.executionName}`;
  const watch = () => h('a', { href: executionHref(task.executionArn) }, 'Watch its execution');
  try {
    const outcome = await decide(
      task,
      decision,
      // Sent, not yet decided: the escalation policy may still refuse it.
      () => replace(status, h('p', { class: 'working' }, `${what}: sent; waiting for the escalation policy’s verdict… `, watch())),
      form.stopped,
    );
    if (outcome === undefined) return;
    replace(status, h('p', { class: 'ok', 'data-testid': 'decided' }, `${what}. `, watch()));
    void form.reload();
  } catch (error) {
    // Said above the cards too: the page's next read takes away the card of an execution that ended.
    replace(
      status,
      h(
        'p',
        { class: 'error', 'data-testid': 'decision-failed' },
        `${kind === 'approve' ? 'Approval' : 'Rejection'} of ${subject ? `${label} ${subject}` : task.executionName} not taken: ${message(error)} `,
        watch(),
      ),
    );
    replace(problems, message(error));
    for (const b of buttons) b.disabled = false;
  }
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A field's value on the card: fractions to two places (a confidence), objects as JSON. */
function shown(value: unknown): string {
  if (value === undefined || value === null) return '-';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A control's text as the decision schema types the field (a number, a flag); text otherwise. */
function typed(value: string, type: string | undefined): unknown {
  if ((type === 'number' || type === 'integer') && Number.isFinite(Number(value))) return Number(value);
  if (type === 'boolean' && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}
