/**
 * A start's custom resources, run as CloudFormation runs them, each after what it references:
 * the template was loaded before any had answered, so what references one's Ref or attributes
 * (a function's environment, a state machine's definition substitutions, another custom
 * resource's properties, an output) was held back (local/template/custom-resource-references.ts).
 * Wave by wave, the custom resources that can run do, the template is loaded again with their
 * answers, and the running services take what then resolves (their reload: a function starts with
 * its environment complete, never without it); the next wave runs the custom resources that
 * now resolve. What is still held back at the end is said, with why: it does not start.
 */
import type { ServiceReload, TemplateChange } from '../service-registry/service-module.js';
import type { LoadedApp } from '../template/load.js';
import type { LoadedTemplate } from '../template/module.js';
import { isCustomResourceType } from '../template/resources.js';

export interface SettleOptions {
  readonly template: LoadedTemplate;
  /** The assembly the runtime started on (loaded again with the answers). */
  readonly cdkOut: string;
  /** Runs the custom resources of `app` not yet `tried`, the `held` ones counting as present (not deleted). */
  readonly apply: (app: LoadedApp, tried: Set<string>, held: readonly string[]) => Promise<unknown>;
  readonly reloadServices: (change: TemplateChange) => Promise<Required<ServiceReload>>;
  readonly warn: (lines: readonly string[]) => void;
  /** Puts the last load's warnings in place of the first's (ServiceContext.restate). */
  readonly restate: (before: readonly string[], now: readonly string[]) => void;
  readonly log: (line: string) => void;
}

export async function settleCustomResources({ template, cdkOut, apply, reloadServices, warn, restate, log }: SettleOptions): Promise<void> {
  const first = { app: template.app, definitions: template.definitions };
  let current = first;
  const tried = new Set<string>();
  for (;;) {
    const before = tried.size;
    await apply(current.app, tried, heldCustomResources(current.app));
    // Nothing answered anew, or nothing (a resource, an output) waits for an answer: what is loaded stands.
    if (tried.size === before || (heldBack(current.app).length === 0 && !waitingOutputs(current.app))) break;
    const next = template.load(cdkOut);
    const { reloaded, notApplied } = await reloadServices({ ...next, before: current });
    template.app = next.app;
    template.definitions = next.definitions;
    current = next;
    if (reloaded.length > 0) log(`started with the custom resources' answers: ${reloaded.join(', ')}`);
    if (notApplied.length > 0) warn(notApplied);
  }
  if (current === first) return;
  // The first load's warnings were said when it loaded: the last load's stand in their place, each once. Some are new
  // (a failed or missing attribute an output reads), some say more (a function the answers started joins a line of
  // its runtime); warned again beside the first, they were said twice.
  restate([...first.app.warnings, ...first.definitions.warnings], [...current.app.warnings, ...current.definitions.warnings]);
  warn(notStarted(current.app));
}

/** What is held back at the end, a line each: it does not start (CloudFormation would fail the stack there). */
export function notStarted(app: LoadedApp): string[] {
  return heldBack(app).map(
    ({ resource, reason }) => `${resource.stackName}/${resource.logicalId} (${resource.type}): not started: ${reason}`,
  );
}

const waitingOutputs = (app: LoadedApp): boolean => app.stacks.some((stack) => (stack.pendingOutputs?.length ?? 0) > 0);

function heldBack(app: LoadedApp) {
  return app.stacks.flatMap((stack) => stack.heldBack ?? []);
}

/** The custom resources held back, by `Stack/LogicalId`: still the template's (not deleted), though they cannot run yet. */
function heldCustomResources(app: LoadedApp): string[] {
  return heldBack(app)
    .filter(({ resource }) => isCustomResourceType(resource.type))
    .map(({ resource }) => `${resource.stackName}/${resource.logicalId}`);
}
