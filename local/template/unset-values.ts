/**
 * ARNs in resolved properties with an account or region the app never set: a CDK app that
 * builds an ARN from a context value or environment variable it did not find writes
 * `arn:aws:events:us-east-1:undefined:event-bus/default` (`${props.accountId}` of an unset
 * value). No AWS account or region is spelled that way, so the resource would name nothing
 * on AWS; locally such an ARN could fall back to a same-named resource of the local account
 * and look as if it worked. One start-up line each names the resource, the property and the value.
 */
/** What the check reads of a loaded stack (structural: load.ts's LoadedStack fits, and load.ts imports this file). */
interface Stack {
  readonly resources: readonly {
    readonly stackName: string;
    readonly logicalId: string;
    readonly type: string;
    readonly properties: Readonly<Record<string, unknown>>;
  }[];
}

/** What JavaScript writes for a value it did not have. */
const UNSET = new Set(['undefined', 'null', 'NaN', '[object Object]']);

/** The account or region an ARN gives that is an unset value's text, else undefined. */
export function unsetArnPart(text: string): { readonly part: 'region' | 'account'; readonly value: string } | undefined {
  if (!text.startsWith('arn:')) return undefined;
  const [, , , region, account] = text.split(':');
  if (region !== undefined && UNSET.has(region)) return { part: 'region', value: region };
  if (account !== undefined && UNSET.has(account)) return { part: 'account', value: account };
  return undefined;
}

/** One warning for each ARN among the stacks' resolved properties whose account or region is an unset value. */
export function unsetValueWarnings(stacks: readonly Stack[]): string[] {
  const warnings: string[] = [];
  for (const stack of stacks) {
    for (const resource of stack.resources) {
      visit(resource.properties, 'Properties', (path, text) => {
        const unset = unsetArnPart(text);
        if (unset === undefined) return;
        warnings.push(
          `${resource.stackName}/${resource.logicalId} (${resource.type}): ${path} is ${text}, whose ${unset.part} is \`${unset.value}\`: a value the app left unset (a context value or environment variable it did not find?); no AWS ${unset.part} is spelled that way, so on AWS this names nothing: set the value and synthesize again`,
        );
      });
    }
  }
  return warnings;
}

function visit(value: unknown, path: string, found: (path: string, text: string) => void): void {
  if (typeof value === 'string') found(path, value);
  else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) visit(item, `${path}[${index}]`, found);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) visit(item, `${path}.${key}`, found);
  }
}
