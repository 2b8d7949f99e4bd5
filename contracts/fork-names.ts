/**
 * The names a fork's parts go by (contracts/fork.ts), apart from the rest of it so that the
 * browser's console reads them without fork.ts's node:crypto.
 */

/** The execution input's field that holds a fork. */
export const FORK_INPUT_KEY = 'switchyardFork';

/** The state a Workflow's fork entry begins at: it routes a fork to its state, any other input to the flow's start. */
export const FORK_ENTRY_STATE = 'SwitchyardForkEntry';
