/**
 * What a DurableFlow bundles as its function's entry (its `forks`, on by default): the app's
 * durable handler, which the bundle's alias names `switchyard-cdk/durable-flow-handler`
 * (SwitchyardFunction's `wrappedHandler`), inside the kit's fork support, so that every
 * DurableFlow forks in AWS without a change to its code. Not exported from the kit: only the
 * bundler reads it.
 */
import { handler as durableHandler } from 'switchyard-cdk/durable-flow-handler';
import { withDurableForks } from './durable-forks.js';

export const handler = withDurableForks(durableHandler);
