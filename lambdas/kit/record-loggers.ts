import type { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import type { Context } from 'aws-lambda';

/** A logger for one record: the invocation's logger with the record's own keys on every line. */
export type RecordLoggers = (persistentKeys: LogAttributes) => Logger;

/**
 * The record loggers of one invocation, whose lines say `cold_start` as the invocation's own
 * do. Powertools' `createChild` hands the parent's Lambda context to the child's `addContext`,
 * which reads the child's own cold-start flag, true on its first read in an on-demand
 * environment: every record of every invocation said `cold_start: true`. Adding the context a
 * second time reads the flag again, already spent, so a warm invocation's records say false
 * (a provisioned environment's flag is never true, as the parent's is not).
 */
export function recordLoggers(parent: Logger, lambdaContext: Context, coldStart: boolean): RecordLoggers {
  return (persistentKeys) => {
    const child = parent.createChild({ persistentKeys });
    if (!coldStart) child.addContext(lambdaContext);
    return child;
  };
}
