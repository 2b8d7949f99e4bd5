import { AwsError } from '../../endpoint/aws-error.js';
import { beginWork, type Clock } from '../../time/clock.js';
import type { FunctionDefinition } from '../core/function-definition.js';
import { newRevision } from './function-requests.js';

/**
 * The changes Lambda's API accepted and is still applying, by function name: Lambda answers
 * CreateFunction while the function is Pending and an update while it is InProgress, and the
 * change ends once the new code is ready (here: its zip unpacked and what it needs provided,
 * typically milliseconds). Meanwhile another change of the function is refused, invocations run
 * the code from before (none for a function being created), and SDK waiters
 * (`waitUntilFunctionActiveV2`, `waitUntilFunctionUpdatedV2`) see it end. Each change is work in
 * flight on the runtime's clock (Clock.begin): a test's clock does not move past it.
 */
export class FunctionTransitions {
  readonly #inProgress = new Map<string, { readonly token: symbol; readonly done: Promise<void> }>();
  /** While set, changes wait for it before they apply (`hold`). */
  #held: Promise<void> | undefined;

  constructor(
    private readonly clock: Clock,
    /** Where an error no state can report goes (the function's log). */
    private readonly log: (name: string, line: string) => void,
  ) {}

  /**
   * Refuses a change of a function whose earlier change is still in progress, in Lambda's words.
   * @throws AwsError ResourceConflictException
   */
  checkIdle(definition: FunctionDefinition): void {
    if (!this.#inProgress.has(definition.name) && definition.api?.change === undefined) return;
    if (definition.api?.change === 'creating') {
      throw new AwsError(
        'ResourceConflictException',
        `The operation cannot be performed at this time. The resource ${definition.arn} is currently in the following state: 'Pending'. StateReasonCode: 'Creating'`,
        409,
      );
    }
    throw new AwsError(
      'ResourceConflictException',
      `The operation cannot be performed at this time. An update is in progress for resource: ${definition.arn}`,
      409,
    );
  }

  /**
   * Applies a change in the background: `apply` prepares the new code, then settles the
   * function if `current()` still says the change is the function's own (a DeleteFunction
   * meanwhile `forget`s it).
   */
  start(name: string, apply: (current: () => boolean) => Promise<void>): void {
    const token = Symbol(name);
    const current = () => this.#inProgress.get(name)?.token === token;
    const end = beginWork(this.clock, () => `the change of function ${name} (its new code being prepared)`);
    const done = (async () => {
      await this.#held;
      await apply(current);
    })()
      .catch((error: unknown) => this.log(name, `the change of the function could not be applied: ${(error as Error).stack ?? error}`))
      .finally(() => {
        end();
        if (current()) this.#inProgress.delete(name);
      });
    this.#inProgress.set(name, { token, done });
  }

  /** Forgets a deleted function's change: it ends without settling anything. */
  forget(name: string): void {
    this.#inProgress.delete(name);
  }

  /** Resolves once every change in progress now has ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.#inProgress.values()].map((change) => change.done));
  }

  /**
   * Holds every change until the answer is called, as LocalStack's suite holds AWS's with a
   * patched hook: tests read a function while its change is in progress.
   */
  hold(): () => void {
    let release = () => {};
    this.#held = new Promise((resolve) => {
      release = resolve;
    });
    return () => {
      this.#held = undefined;
      release();
    };
  }
}

/** A definition with a change accepted (`creating`, `updating`) at a new revision: a failure before is forgotten. */
export function changing(definition: FunctionDefinition, change: 'creating' | 'updating', lastModified: string): FunctionDefinition {
  if (definition.api === undefined)
    throw new Error(`function ${definition.name} has no API record: only functions CreateFunction made change through the API`);
  const { failure: _failure, ...api } = definition.api;
  return { ...definition, api: { ...api, change, revisionId: newRevision(), lastModified } };
}

/** A definition with its change ended: `$LATEST` and a version being published are Active, each at a new revision, as Lambda's are. */
export function settledDefinition(definition: FunctionDefinition): FunctionDefinition {
  const settle = (d: FunctionDefinition): FunctionDefinition => {
    if (d.api?.change === undefined) return d;
    const { change: _change, ...api } = d.api;
    return { ...d, api: { ...api, revisionId: newRevision() } };
  };
  const published = definition.published;
  return {
    ...settle(definition),
    ...(published ? { published: Object.fromEntries(Object.entries(published).map(([v, d]) => [v, settle(d)])) } : {}),
  };
}

/**
 * What a change that could not be applied leaves: a function being created Failed, one being
 * updated as it was before, its LastUpdateStatus Failed; `reason` says why (Lambda's
 * InternalError).
 */
export function failedDefinition(
  described: FunctionDefinition,
  before: FunctionDefinition | undefined,
  reason: string,
): FunctionDefinition {
  const base = before ?? described;
  const of = described.api?.change ?? 'updating';
  const { change: _change, ...api } = base.api ?? { revisionId: '', lastModified: '', codeSha256: '', codeSize: 0 };
  return { ...base, api: { ...api, revisionId: newRevision(), failure: { of, reason, code: 'InternalError' } } };
}

/** Whether a definition (its `$LATEST` or a version) has a change in progress. */
export function inTransition(definition: FunctionDefinition): boolean {
  return [definition, ...Object.values(definition.published ?? {})].some((d) => d.api?.change !== undefined);
}
