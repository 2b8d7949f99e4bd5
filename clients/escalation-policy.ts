/**
 * What reviewers' tools know of an app's escalation policies, learnt from the state machine
 * definitions: the EscalationPolicy construct records itself (its ask and refusal
 * detail-types, the subject field, the decision's field, choices and JSON Schema, the fields
 * to show) in the Comment of its AwaitDecision state. The CLI reads the definitions from the
 * cloud assembly (or DescribeStateMachine), the console with DescribeStateMachine; neither
 * imports the app. Pure, like ./open-task.ts.
 */
/** The fields of an open task (`OpenTaskInHistory`) a policy reads; ./open-task.ts builds on this module, so its type is not imported from there. */
export interface TaskQuestion {
  /** The object the token was sent in. */
  readonly question: Record<string, unknown>;
  /** The execution's input. */
  readonly input: Record<string, unknown>;
}

/** Starts the policy's record in its ask state's Comment (ESCALATION_POLICY_COMMENT_MARKER in lib/constructs/escalation-policy.ts). */
export const ESCALATION_POLICY_COMMENT_MARKER = 'switchyard:escalation-policy ';

export interface EscalationPolicyDescription {
  /** The policy's name (policyName). */
  readonly policy: string;
  /** The state that asks and waits on the task token. */
  readonly askState: string;
  readonly ask: { readonly detailType: string; readonly source: string; readonly subjectField: string };
  readonly refusal: { readonly detailType: string; readonly source: string };
  readonly decision: {
    /** The answer's field approve and reject set, and what they put there. */
    readonly field: string;
    readonly choices: { readonly approve: string; readonly reject: string };
    /** JSON Schema of an answer, when the app gave one. */
    readonly schema?: Record<string, unknown>;
  };
  /** The question's fields to show with an open ask, with their labels. */
  readonly summary: readonly { readonly field: string; readonly label: string }[];
}

/** Every escalation policy recorded in a state machine definition (ASL, as an object or JSON text), nested states included. */
export function escalationPoliciesIn(definition: unknown): EscalationPolicyDescription[] {
  const found: EscalationPolicyDescription[] = [];
  const visit = (states: unknown, depth: number) => {
    if (depth > 20 || typeof states !== 'object' || states === null) return;
    for (const state of Object.values(states as Record<string, unknown>)) {
      if (typeof state !== 'object' || state === null) continue;
      const s = state as Record<string, unknown>;
      const policy = typeof s.Comment === 'string' ? policyOfComment(s.Comment) : undefined;
      if (policy) found.push(policy);
      for (const branch of Array.isArray(s.Branches) ? s.Branches : []) visit((branch as { States?: unknown })?.States, depth + 1);
      for (const inner of [s.ItemProcessor, s.Iterator]) visit((inner as { States?: unknown } | undefined)?.States, depth + 1);
    }
  };
  let asl = definition;
  if (typeof asl === 'string') {
    try {
      asl = JSON.parse(asl);
    } catch {
      return [];
    }
  }
  visit((asl as { States?: unknown } | null)?.States, 0);
  return found;
}

/** The policy a state's Comment records, or undefined when it records none (or one this version cannot read). */
export function policyOfComment(comment: string): EscalationPolicyDescription | undefined {
  const at = comment.indexOf(ESCALATION_POLICY_COMMENT_MARKER);
  if (at < 0) return undefined;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(comment.slice(at + ESCALATION_POLICY_COMMENT_MARKER.length)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const ask = record.ask as Record<string, unknown> | undefined;
  const refusal = record.refusal as Record<string, unknown> | undefined;
  const decision = (record.decision ?? {}) as Record<string, unknown>;
  const choices = (decision.choices ?? {}) as Record<string, unknown>;
  const text = (value: unknown, fallback?: string) => (typeof value === 'string' && value !== '' ? value : fallback);
  const policy = text(record.policy);
  const subjectField = text(ask?.subjectField);
  if (policy === undefined || subjectField === undefined || typeof ask?.detailType !== 'string') return undefined;
  const schema = decision.schema;
  return {
    policy,
    askState: text(record.askState, 'AwaitDecision') as string,
    ask: { detailType: ask.detailType, source: String(ask.source ?? ''), subjectField },
    refusal: { detailType: String(refusal?.detailType ?? ''), source: String(refusal?.source ?? '') },
    decision: {
      field: text(decision.field, 'decision') as string,
      choices: { approve: text(choices.approve, 'approve') as string, reject: text(choices.reject, 'reject') as string },
      ...(typeof schema === 'object' && schema !== null && !Array.isArray(schema) ? { schema: schema as Record<string, unknown> } : {}),
    },
    summary: (Array.isArray(record.summary) ? record.summary : [])
      .filter((s): s is { field: string; label?: unknown } => typeof (s as { field?: unknown })?.field === 'string')
      .map((s) => ({ field: s.field, label: text(s.label, s.field) as string })),
  };
}

/** The policy an open task belongs to: the one whose ask state scheduled it (the only one, if the flow has one). */
export function policyOfTask(
  policies: readonly EscalationPolicyDescription[],
  task: { readonly state: string },
): EscalationPolicyDescription | undefined {
  return policies.find((p) => p.askState === task.state) ?? (policies.length === 1 ? policies[0] : undefined);
}

/** What a task or execution is about: the question's subject field, else the execution input's. */
export function subjectOf(task: TaskQuestion, policy: Pick<EscalationPolicyDescription, 'ask'> | undefined): string | undefined {
  if (policy === undefined) return undefined;
  const field = policy.ask.subjectField;
  const id = task.question[field] ?? task.input[field];
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/** How a subject is called in messages: `ticketId` → "ticket", `orderNumber` → "order number", none → "subject". */
export function subjectLabel(policy: Pick<EscalationPolicyDescription, 'ask'> | undefined): string {
  const field = policy?.ask.subjectField.replace(/_?(Id|ID|_id)$/, '') ?? '';
  const words = field
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .trim()
    .toLowerCase();
  return words === '' ? 'subject' : words;
}

/** The summary fields of a task, as the policy names them: from the question, else the execution's input. */
export function summaryOf(
  task: TaskQuestion,
  policy: Pick<EscalationPolicyDescription, 'summary'> | undefined,
): { field: string; label: string; value: unknown }[] {
  return (policy?.summary ?? []).map((s) => ({ ...s, value: task.question[s.field] ?? task.input[s.field] }));
}

/** A decision the reviewer's choice and fields make: `{ [field]: choice, ...fields }`. */
export function decisionOf(
  policy: Pick<EscalationPolicyDescription, 'decision'> | undefined,
  choice: 'approve' | 'reject',
  fields: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const decision = policy?.decision ?? { field: 'decision', choices: { approve: 'approve', reject: 'reject' } };
  return { [decision.field]: decision.choices[choice], ...fields };
}

/**
 * The fields a reviewer fills in besides the choice: the decision schema's properties (the
 * choice's field left out), each with its allowed values when the schema lists them.
 * Without a schema, `reviewer` (the policy checks who answers by it) and `reason`.
 */
export function decisionFields(
  policy: Pick<EscalationPolicyDescription, 'decision'> | undefined,
): { name: string; type?: string; choices?: readonly string[]; description?: string }[] {
  const schema = policy?.decision.schema;
  const properties = (schema?.properties ?? {}) as Record<string, Record<string, unknown>>;
  const fields = Object.entries(properties)
    .filter(([name]) => name !== policy?.decision.field)
    .map(([name, s]) => {
      const allowed = Array.isArray(s.enum) ? s.enum : 'const' in s ? [s.const] : undefined;
      return {
        name,
        ...(typeof s.type === 'string' ? { type: s.type } : {}),
        ...(allowed ? { choices: allowed.map(String) } : {}),
        ...(typeof s.description === 'string' ? { description: s.description } : {}),
      };
    });
  return schema !== undefined
    ? fields
    : [
        { name: 'reviewer', type: 'string' },
        { name: 'reason', type: 'string' },
      ];
}

/**
 * The refusal of an answer that reached no open task, as the policy's own refusals read:
 * about the last ask's subject and attempt, under its deadline. Undefined when the ask lacks
 * them (the refusal contract requires them).
 */
export function refusalDetail(
  policy: Pick<EscalationPolicyDescription, 'ask'>,
  question: Readonly<Record<string, unknown>>,
  reviewer: unknown,
  reason: string,
): Record<string, unknown> | undefined {
  const field = policy.ask.subjectField;
  if (question[field] === undefined || !Number.isInteger(question.attempt) || typeof question.decideBy !== 'string') return undefined;
  return {
    [field]: question[field],
    attempt: question.attempt,
    problems: [reason],
    decideBy: question.decideBy,
    ...(typeof question.step === 'number' ? { step: question.step } : {}),
    ...(typeof reviewer === 'string' && reviewer !== '' ? { reviewer } : {}),
    ...(typeof question.metadata === 'object' && question.metadata !== null ? { metadata: question.metadata } : {}),
  };
}
