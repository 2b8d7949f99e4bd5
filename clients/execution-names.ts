/**
 * Which execution a name names, among executions as a list shows them (the console's
 * Executions page, the read API's): by every name another tool shows it by. Pure, so that the
 * browser runs it; the CLI and the testing API, which read the app's assembly, find an
 * execution by the names a workflow starter would give it (inspect/execution-names.ts).
 */

/** An execution as a list shows it: the names it goes by. */
export interface ListedExecution {
  readonly executionArn: string;
  readonly name: string;
  /** What it is about (clients/execution-subject.ts): its business key, or its id field (`orderId=O-1`). */
  readonly subject?: string;
}

/**
 * The values a subject holds: a business key's (`OrderPlaced#orderId="O-1"&line=2` holds `O-1`
 * and `2`; `TicketCreated#id=<event id>` its event id), or an id field's (`OrderPlaced
 * orderId=O-1`, `orderId=O-1`).
 */
export function subjectValues(subject: string): string[] {
  const hash = subject.indexOf('#');
  if (hash < 0) {
    const field = /(?:^|\s)[A-Za-z0-9_]+=(.*)$/.exec(subject);
    return field?.[1] === undefined || field[1] === '' ? [] : [field[1]];
  }
  const values: string[] = [];
  for (const match of subject.slice(hash + 1).matchAll(/(?:^|&)[^=&]+=("(?:[^"\\]|\\.)*"|[^&]*)/g)) {
    const value = match[1] ?? '';
    values.push(value.startsWith('"') ? decoded(value) : value);
  }
  return values.filter((value) => value !== '');
}

/**
 * Whether `wanted` names the execution: its ARN, its name, what it is about (the business key
 * `switchyard executions` and the console show, `OrderPlaced#orderId="O-1"`), or the id alone
 * (`O-1`, a value of that key).
 */
export function namesExecution(execution: ListedExecution, wanted: string): boolean {
  if (wanted === '') return false;
  if (wanted === execution.executionArn || wanted === execution.name || wanted === execution.subject) return true;
  return !wanted.includes('#') && execution.subject !== undefined && subjectValues(execution.subject).includes(wanted);
}

/** The executions `wanted` names (namesExecution); several when an id is in more than one flow's. */
export function executionsNamed<T extends ListedExecution>(executions: readonly T[], wanted: string): T[] {
  return executions.filter((execution) => namesExecution(execution, wanted));
}

/** What names an execution, for the message that says a name named none. */
export const EXECUTION_NAMED_BY =
  'an execution is named by its ARN, its name, or what it is about: the business key the executions list shows (OrderPlaced#orderId="O-1") or the id alone (O-1)';

function decoded(json: string): string {
  try {
    const value = JSON.parse(json) as unknown;
    return typeof value === 'string' ? value : json;
  } catch {
    return json;
  }
}
