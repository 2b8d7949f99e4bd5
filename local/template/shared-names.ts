/** What of a loaded resource tells whether two are one locally (a LoadedResource; load.ts imports this module). */
interface Named {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** The account and region a stack deploys to on AWS. */
interface Environment {
  readonly account: string;
  readonly region: string;
}

/**
 * Resources of two stacks that come out as one locally: the same type and ARN (or `Ref`), as
 * two stacks synthesized for different regions (an event bus of one name in each) are once
 * the runtime loads both in its own. AWS has two; the runtime serves one, so what either
 * stack's resources send to it, the other's see. In one region the name is taken by the first
 * stack, and CloudFormation refuses the second's.
 */
export function sharedNameWarnings(
  stacks: readonly { readonly resources: readonly Named[] }[],
  artifacts: readonly { readonly stackName: string; readonly environment: Partial<Environment> }[],
  local: Environment,
): string[] {
  // Where each stack deploys on AWS; a nested stack, not an artifact, goes where its parent does: unknown here, so the local one.
  const environments = new Map(artifacts.map((a) => [a.stackName, a.environment]));
  const environmentOf = (stackName: string): Environment => ({ ...local, ...environments.get(stackName) });
  const first = new Map<string, Named>();
  const warnings: string[] = [];
  for (const r of stacks.flatMap((stack) => stack.resources)) {
    const key = `${r.type} ${r.attributes.Arn ?? r.ref}`;
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, r);
      continue;
    }
    if (earlier.stackName === r.stackName) continue;
    const [here, there] = [environmentOf(r.stackName), environmentOf(earlier.stackName)];
    const onAws =
      here.account !== there.account
        ? `on AWS each is in its own account (${there.account}, ${here.account})`
        : here.region !== there.region
          ? `on AWS each is in its own region (${there.region}, ${here.region})`
          : `on AWS the first stack's takes the name, and CloudFormation refuses to create the second`;
    warnings.push(
      `${r.stackName}/${r.logicalId} (${r.type}) and ${earlier.stackName}/${earlier.logicalId} are one resource locally, ${r.attributes.Arn ?? r.ref}: ${onAws}; here what either stack sends to it, the other's rules, subscriptions and readers see`,
    );
  }
  return warnings;
}
