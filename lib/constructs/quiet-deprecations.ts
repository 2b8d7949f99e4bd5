import type * as events from 'aws-cdk-lib/aws-events';

/** Runs `fn` with jsii's deprecation warnings off (JSII_DEPRECATED=quiet), restoring the setting after. */
export function withoutDeprecationWarnings<T>(fn: () => T): T {
  const before = process.env.JSII_DEPRECATED;
  process.env.JSII_DEPRECATED = 'quiet';
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.JSII_DEPRECATED;
    else process.env.JSII_DEPRECATED = before;
  }
}

/**
 * Lets an event bus policy's deprecated `principal` be read without jsii's warning. A policy
 * built with EventBus.addToResourcePolicy never sets it (its `statement` is the policy), yet
 * cdk-nag 3.0.2's AwsSolutions-EVB1 reads it on every CfnEventBusPolicy, so each synth of an
 * app running the AwsSolutions checks printed "CfnEventBusPolicy#principal is deprecated".
 * The read still returns what the property holds (and the rule still checks `statement`);
 * setting it still warns, as any use of the deprecated property should.
 */
export function readPrincipalQuietly(policy: events.CfnEventBusPolicy): void {
  const inherited = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(policy), 'principal');
  const get = inherited?.get;
  if (get === undefined) return;
  Object.defineProperty(policy, 'principal', {
    configurable: true,
    enumerable: inherited?.enumerable ?? false,
    get: () => withoutDeprecationWarnings(() => get.call(policy)),
    set: (value: unknown) => inherited?.set?.call(policy, value),
  });
}
