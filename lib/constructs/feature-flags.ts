import { Annotations } from 'aws-cdk-lib/core';
import type { IConstruct } from 'constructs';
import { WORKFLOW_FORK_ENTRY_FLAG } from '../../contracts/fork-names.js';
import { invalidProp } from './validation.js';

/**
 * A default that changed, behind a CDK context key, as aws-cdk's feature flags are: an app
 * whose cdk.json sets the key to `true` (the scaffold's does) gets the new default; an app
 * without it keeps the old default for one more minor release, and each construct that takes
 * it warns once at synth (the warning's id is the key), naming the prop and the key. The
 * construct's own prop always wins and silences the warning.
 */
export interface FeatureFlag {
  /** The context key (`cdk.json`'s `context`, `-c <key>=true`); also the id of the warning. */
  readonly key: string;
  /** The construct whose default it decides. */
  readonly construct: string;
  /** The prop that decides it for one construct. */
  readonly prop: string;
  /** What the prop defaults to where the key is not set (the default before it changed). */
  readonly defaultWithout: boolean;
  /** What the prop defaults to where the key is `true`, and will everywhere from the next minor release. */
  readonly defaultWith: boolean;
  /** What the new default does, for the warning. */
  readonly change: string;
}

/** `Workflow`'s `forkEntry`: the definition begins with the fork entry. */
export const WORKFLOW_FORK_ENTRY: FeatureFlag = {
  key: WORKFLOW_FORK_ENTRY_FLAG,
  construct: 'Workflow',
  prop: 'forkEntry',
  defaultWithout: false,
  defaultWith: true,
  change:
    'the definition begins with a Choice state, SwitchyardForkEntry, so that `switchyard fork` can rerun an execution in AWS (one more state transition per execution)',
};

/** `DurableFlow`'s `handler.durableLambdaClient`: the handler's bundle holds the kit's subset of the Lambda client. */
export const DURABLE_LAMBDA_CLIENT: FeatureFlag = {
  key: '@switchyard/constructs:durableLambdaClient',
  construct: 'DurableFlow',
  prop: 'handler.durableLambdaClient',
  defaultWithout: false,
  defaultWith: true,
  change:
    "the function's bundle holds only the part of @aws-sdk/client-lambda the durable execution SDK uses (about 110 KB less); a handler importing another name of the client must then set it to false",
};

/** `DurableFlow`'s `forks`: the handler is bundled inside the kit's fork support. */
export const DURABLE_FLOW_FORKS: FeatureFlag = {
  key: '@switchyard/constructs:durableFlowForks',
  construct: 'DurableFlow',
  prop: 'forks',
  defaultWithout: false,
  defaultWith: true,
  change:
    "the handler is bundled inside the kit's fork support, so that `switchyard fork` can rerun an execution in AWS (the function gets lambda:GetDurableExecutionHistory on its own versions and SWITCHYARD_DURABLE_FORKS=1)",
};

/** Every feature flag of the constructs: the one list (docs/constructs.md#feature-flags-defaults-that-change documents it; cdk.json and the scaffold's set each). */
export const FEATURE_FLAGS: readonly FeatureFlag[] = [WORKFLOW_FORK_ENTRY, DURABLE_LAMBDA_CLIENT, DURABLE_FLOW_FORKS];

/** The context a new app is made with: every flag at its new default (the scaffold's cdk.json, this repository's). */
export const NEW_APP_CONTEXT: Readonly<Record<string, boolean>> = Object.fromEntries(
  FEATURE_FLAGS.map((flag) => [flag.key, flag.defaultWith]),
);

/**
 * The value of `flag`'s prop for `construct`: `prop` when given; else the flag's new default
 * where the context sets the key to `true` (`false` keeps the old one, silently); else the old
 * default, with one warning on the construct. `-c <key>=true` arrives as a string, so `'true'`
 * and `'false'` count too; any other value fails synthesis, naming the key.
 */
export function flaggedDefault(construct: IConstruct, flag: FeatureFlag, prop: boolean | undefined): boolean {
  if (prop !== undefined) return prop;
  const context: unknown = construct.node.tryGetContext(flag.key);
  if (context === true || context === 'true') return flag.defaultWith;
  if (context === false || context === 'false') return flag.defaultWithout;
  if (context !== undefined) {
    invalidProp(construct, `the ${flag.key} context must be true or false (got ${JSON.stringify(context)}): set it in cdk.json's context`);
  }
  Annotations.of(construct).addWarningV2(
    flag.key,
    `${flag.construct}'s ${flag.prop} defaults to ${flag.defaultWithout} here, as before, because the app does not set the ${flag.key} context; the next minor release makes it ${flag.defaultWith}: ${flag.change}. Set "${flag.key}": true in cdk.json's context for the new default now, or set ${flag.prop} on this ${flag.construct} to keep the one you want; either silences this warning.`,
  );
  return flag.defaultWithout;
}
