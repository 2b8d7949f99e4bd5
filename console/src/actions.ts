import { call, toDate } from './aws.js';
import { h, replace } from './dom.js';

/**
 * What a console action shows, and how it follows its work to the end: an action only starts
 * work (a redriven execution, a pause), so a page says it succeeded only once that work
 * has ended so, and shows a failure, with AWS's reason, as plainly as a success.
 */

/** How often the work an action started is looked at while it runs. */
const FOLLOW_MS = 500;

/** Where an action is: its work under way, ended well, or failed (and why). */
export type Outcome = 'working' | 'ok' | 'failed';

const OUTCOME_CLASS: Record<Outcome, string> = { working: 'working', ok: 'ok', failed: 'error' };

type Child = Parameters<typeof replace>[1];

/** One action's line in the page that acted: what it is doing, then how it ended (green, or red with the reason). */
export interface ActionLine {
  readonly element: HTMLElement;
  show(outcome: Outcome, ...children: Child[]): void;
}

export function actionLine(): ActionLine {
  const element = h('p', { class: 'action working', 'data-outcome': 'working' });
  return {
    element,
    show(outcome, ...children) {
      element.className = `action ${OUTCOME_CLASS[outcome]}`;
      element.setAttribute('data-outcome', outcome);
      replace(element, ...children);
    },
  };
}

/**
 * Reads `read` until `ended` says what it answered is the end of the work, every FOLLOW_MS,
 * telling `progress` each answer before it; the end's answer, or undefined when the page
 * stopped first. An error reading is thrown: the action then shows it.
 */
export async function followUntil<T>(
  read: () => Promise<T>,
  ended: (now: T) => boolean,
  stopped: () => boolean,
  progress: (now: T) => void = () => {},
): Promise<T | undefined> {
  for (;;) {
    if (stopped()) return undefined;
    const now = await read();
    if (ended(now)) return now;
    progress(now);
    await new Promise((resolve) => setTimeout(resolve, FOLLOW_MS));
  }
}

/** How an execution ended: DescribeExecution's status, error and cause. */
export interface ExecutionEnd {
  readonly status: string;
  readonly error?: string;
  readonly cause?: string;
}

/**
 * Follows a Standard execution (DescribeExecution) until it ends after `since` (a redrive's
 * date: until then its status may still be the ending the redrive began from). Undefined when
 * the page stopped first; an AWS error is thrown.
 */
export async function followExecution(
  executionArn: string,
  since: Date | undefined,
  stopped: () => boolean,
): Promise<ExecutionEnd | undefined> {
  const described = await followUntil(
    () =>
      call<{ status?: string; stopDate?: unknown; error?: string; cause?: string }>('sfn', 'DescribeExecution', {
        executionArn,
      }),
    (now) => {
      const stop = toDate(now.stopDate);
      const endedAfter = since === undefined || stop === undefined || stop.getTime() >= since.getTime();
      return now.status !== undefined && now.status !== 'RUNNING' && now.status !== 'PENDING_REDRIVE' && endedAfter;
    },
    stopped,
  );
  if (described === undefined) return undefined;
  return {
    status: described.status ?? 'UNKNOWN',
    ...(described.error === undefined ? {} : { error: described.error }),
    ...(described.cause === undefined ? {} : { cause: described.cause }),
  };
}
