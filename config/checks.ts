import { CfnEventBusPolicy } from 'aws-cdk-lib/aws-events';
import { AwsSolutionsChecks, type IApplyRule, rules } from 'cdk-nag';
import { withoutDeprecationWarnings } from '../lib/constructs/quiet-deprecations.js';

/**
 * The cdk-nag AwsSolutions checks every synth of the app runs, unchanged, without the
 * deprecation warning one of them prints.
 *
 * cdk-nag's rule AwsSolutions-EVB1 (EventBusOpenAccess, as of cdk-nag 3.0.2) reads an
 * event bus policy's deprecated `principal` property as well as its `statement`, so
 * every synth printed "CfnEventBusPolicy#principal is deprecated" although the app's
 * policies only set `statement` (EventBus.addToResourcePolicy). The rule still runs as
 * published; only the warning its own read of the property prints is silenced. Any use
 * of the property by the app itself happens while its constructs are built, before the
 * checks run, and is still reported.
 */
export class SwitchyardChecks extends AwsSolutionsChecks {
  protected override applyRule(params: IApplyRule): void {
    if (params.rule === rules.eventbridge.EventBusOpenAccess && params.node instanceof CfnEventBusPolicy) {
      withoutDeprecationWarnings(() => super.applyRule(params));
      return;
    }
    super.applyRule(params);
  }
}
