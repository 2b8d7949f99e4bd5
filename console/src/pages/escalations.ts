import { duration, h, message, replace, time } from '../dom.js';
import { type Decision, decide, decisionProblems, type OpenTask, openTasks, QUEUES, ticketOf } from '../escalations.js';
import { subscribe } from '../feed.js';
import { executionHref } from '../routes.js';

const REVIEWER_KEY = 'switchyard.console.reviewer';

/** Open human tasks with their ticket, suggestion, confidence and SLA; approve or reject each from the page. */
export function escalationsPage(root: HTMLElement): () => void {
  const list = h('div', {}, h('p', { class: 'muted' }, 'Loading open escalations…'));
  const status = h('div', { class: 'flash', role: 'status', 'aria-live': 'polite' });
  replace(
    root,
    h('h1', {}, 'Escalations'),
    h(
      'p',
      { class: 'muted' },
      'Running executions of Standard flows that wait on a task token. A decision is checked against the app’s EscalationDecision contract and sent with SendTaskSuccess to the token the execution waits on now.',
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
          : tasks.map((t) => card(t)),
      );
    } catch (error) {
      if (!stopped) replace(list, h('p', { class: 'error' }, message(error)));
    }
  };

  const card = (task: OpenTask): HTMLElement => {
    const ticket = ticketOf(task);
    const suggested = str(task.question.suggestedQueue ?? task.input.suggestedQueue);
    const confidence = task.question.confidence ?? task.input.confidence;
    const decideBy = typeof task.question.decideBy === 'string' ? new Date(task.question.decideBy) : undefined;
    const now = Date.now();
    const reviewer = h('input', {
      name: 'reviewer',
      value: sessionStorage.getItem(REVIEWER_KEY) ?? '',
      autocomplete: 'name',
    }) as HTMLInputElement;
    const queue = h(
      'select',
      { name: 'queue' },
      h('option', { value: '' }, suggested ? `approve → ${suggested}, reject → fallback` : 'the flow decides'),
      QUEUES.map((q) => h('option', { value: q }, q)),
    ) as HTMLSelectElement;
    const reason = h('input', { name: 'reason' }) as HTMLInputElement;
    const problems = h('p', { class: 'error', role: 'alert' });
    const buttons: HTMLButtonElement[] = [];
    const submit = async (kind: Decision['decision']) => {
      const decision: Decision = { decision: kind };
      if (queue.value) decision.queue = queue.value;
      if (reviewer.value.trim()) decision.reviewer = reviewer.value.trim();
      if (reason.value.trim()) decision.reason = reason.value.trim();
      const found = decisionProblems(decision);
      replace(problems, found.join('; '));
      if (found.length > 0) return;
      if (decision.reviewer) sessionStorage.setItem(REVIEWER_KEY, decision.reviewer);
      for (const b of buttons) b.disabled = true;
      try {
        await decide(task, decision);
        replace(
          status,
          h(
            'p',
            { class: 'ok', 'data-testid': 'decided' },
            `${kind === 'approve' ? 'Approved' : 'Rejected'} ${ticket ? `ticket ${ticket}` : task.executionName}. `,
            h('a', { href: executionHref(task.executionArn) }, 'Watch its execution'),
          ),
        );
        void load();
      } catch (error) {
        replace(problems, message(error));
        for (const b of buttons) b.disabled = false;
      }
    };
    const button = (kind: Decision['decision'], label: string) => {
      const b = h(
        'button',
        { type: 'button', class: kind, 'data-action': kind, onclick: () => void submit(kind) },
        label,
      ) as HTMLButtonElement;
      buttons.push(b);
      return b;
    };
    return h(
      'article',
      { class: 'escalation', 'data-ticket': ticket ?? '', 'data-execution': task.executionArn },
      h('h2', {}, ticket ? `Ticket ${ticket}` : task.executionName),
      h(
        'dl',
        {},
        h('dt', {}, 'Suggested queue'),
        h('dd', {}, suggested ?? '-'),
        h('dt', {}, 'Confidence'),
        h('dd', {}, typeof confidence === 'number' ? confidence.toFixed(2) : '-'),
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
        h('dd', {}, h('a', { href: executionHref(task.executionArn) }, `${task.flow} / ${task.executionName}`), ` (state ${task.state})`),
      ),
      typeof task.input.subject === 'string' ? h('blockquote', {}, task.input.subject) : null,
      h(
        'form',
        { class: 'decision', onsubmit: (e: Event) => e.preventDefault() },
        h('label', {}, 'Reviewer ', reviewer),
        h('label', {}, 'Queue ', queue),
        h('label', {}, 'Reason ', reason),
        h('div', { class: 'buttons' }, button('approve', 'Approve'), button('reject', 'Reject')),
        problems,
      ),
    );
  };

  void load();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = subscribe((m) => {
    // A new ask (a task scheduled), an answer (its end) or an execution ending changes the list.
    const type = m.kind === 'execution' ? m.historyEvent?.type : undefined;
    if (m.kind !== 'execution' || (type !== undefined && !/^(Task(Scheduled|Succeeded|Failed|TimedOut)|Execution)/.test(type))) return;
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void load();
    }, 500);
  });
  return () => {
    stopped = true;
    unsubscribe();
    clearTimeout(timer);
  };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
