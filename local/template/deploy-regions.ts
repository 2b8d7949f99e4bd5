/**
 * The Regions an app deploys to besides the runtime's own, where `cdk deploy` would send its
 * stacks: a stack pinned to a Region (its `env`) deploys there, and an unpinned one to the
 * Region of the shell dev runs in (`CDK_DEFAULT_REGION`, `AWS_REGION`, `AWS_DEFAULT_REGION`).
 * The runtime runs every stack in its own Region; what AWS offers or refuses by Region (a
 * Bedrock geographic profile, a layer version's ARN) is judged against these too, so that a
 * European developer's `eu-west-1` app is not refused for the runtime's us-east-1.
 */
export function appDeployRegions(app: {
  readonly stacks: readonly { readonly resources: readonly { readonly stackRegion?: string }[] }[];
}): string[] {
  const shell = process.env.CDK_DEFAULT_REGION ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  return [
    ...new Set([
      ...app.stacks.flatMap((stack) => stack.resources.flatMap((r) => (r.stackRegion === undefined ? [] : [r.stackRegion]))),
      ...(shell ? [shell] : []),
    ]),
  ];
}
