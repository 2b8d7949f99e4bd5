/**
 * The names a fork's parts go by (contracts/fork.ts), apart from the rest of it so that the
 * browser's console reads them without fork.ts's node:crypto.
 */

/** The execution input's field that holds a fork. */
export const FORK_INPUT_KEY = 'switchyardFork';

/** The state a Workflow's fork entry begins at: it routes a fork to its state, any other input to the flow's start. */
export const FORK_ENTRY_STATE = 'SwitchyardForkEntry';

/**
 * The cdk.json context flag that gives a Workflow without `forkEntry` its fork entry (the
 * constructs' feature flags, lib/constructs/feature-flags.ts); here so that `switchyard fork`
 * names it when a state machine has none.
 */
export const WORKFLOW_FORK_ENTRY_FLAG = '@switchyard/constructs:workflowForkEntry';

/**
 * What `switchyard fork` and the console say of a state machine without a fork entry: the
 * local runtime forks it, AWS cannot.
 */
export const NO_FORK_ENTRY = `has no fork entry, so it cannot be forked in AWS: a Switchyard Workflow has one with forkEntry: true (for every Workflow of an app without the prop, "${WORKFLOW_FORK_ENTRY_FLAG}": true in cdk.json's context)`;
