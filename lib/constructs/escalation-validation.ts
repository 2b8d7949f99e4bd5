import { Token } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import type { EscalationPolicyProps, EscalationReview } from './escalation-policy-types.js';
import { invalidProp } from './validation.js';

const FIELD_PATH = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
const MAX_STEPS = 10;
const YEAR_SECONDS = 31_536_000;

type Fail = (message: string) => never;

const got = (value: unknown) => `(got ${JSON.stringify(value)})`;
const isFieldName = (field: string) => FIELD_PATH.test(field) && !field.includes('.');

/** Refuses (with invalidProp, naming the prop) what the policy could not compile or Step Functions would not run. */
export function validatePolicy(policy: Construct, props: EscalationPolicyProps): void {
  const fail: Fail = (message) => invalidProp(policy, message);
  if (!NAME.test(props.policyName)) fail(`policyName must be letters, digits and dashes, 1 to 64 ${got(props.policyName)}`);
  validateConditions(props, fail);
  validateChain(props, fail);
  if (!isFieldName(props.ask.subjectField)) fail(`ask.subjectField must be a field name ${got(props.ask.subjectField)}`);
  if (!/^\{%.*%\}$/s.test(props.subjectId)) fail(`subjectId must be a JSONata expression in {% %} ${got(props.subjectId)}`);
  if (props.defaultAction.trim() === '') fail('defaultAction must say what happens when nobody answers (got an empty string)');
  if (props.review !== undefined) validateReview(props.review, fail);
}

function validateConditions(props: EscalationPolicyProps, fail: Fail): void {
  if (props.conditions.length === 0) fail('conditions must name at least one condition that escalates (got none)');
  props.conditions.forEach((c, i) => {
    const at = `conditions[${i}]`;
    const field = c.field;
    if (field !== undefined && !FIELD_PATH.test(field))
      fail(`${at}.field must be a field path such as confidence or failure.error ${got(field)}`);
    if (c.kind === 'confidence-below' && !(Number.isFinite(c.threshold) && c.threshold >= 0 && c.threshold <= 1)) {
      fail(`${at}.threshold must be from 0 to 1 (got ${c.threshold})`);
    }
    if (c.kind === 'step-failed' && c.errors !== undefined && (c.errors.length === 0 || c.errors.some((e) => e.length === 0))) {
      fail(`${at}.errors must list error names such as States.Timeout ${got(c.errors)}`);
    }
    if (c.label !== undefined && !NAME.test(c.label.replaceAll('.', '-')))
      fail(`${at}.label must be letters, digits, dots and dashes ${got(c.label)}`);
  });
}

function validateChain(props: EscalationPolicyProps, fail: Fail): void {
  if (props.chain.length < 1 || props.chain.length > MAX_STEPS)
    fail(`chain must have from 1 to ${MAX_STEPS} steps (got ${props.chain.length})`);
  const seen = new Set<string>();
  let total = 0;
  props.chain.forEach((step, i) => {
    const at = `chain[${i}]`;
    if (!NAME.test(step.name)) fail(`${at}.name must be letters, digits and dashes, 1 to 64 ${got(step.name)}`);
    if (seen.has(step.name)) fail(`${at}.name must be unique in the chain ${got(step.name)}`);
    seen.add(step.name);
    for (const reviewer of step.reviewers ?? []) {
      if (typeof reviewer !== 'string' || reviewer.length < 1 || reviewer.length > 256)
        fail(`${at}.reviewers must be names of 1 to 256 characters ${got(reviewer)}`);
    }
    if (new Set(step.reviewers).size !== (step.reviewers?.length ?? 0))
      fail(`${at}.reviewers must not repeat a name ${got(step.reviewers)}`);
    // A token's duration is known only at deploy time.
    if (Token.isUnresolved(step.sla.toMilliseconds({ integral: false }))) return;
    const sla = step.sla.toMilliseconds() / 1000;
    if (!(sla >= 1 && sla <= YEAR_SECONDS)) fail(`${at}.sla must be from 1 to ${YEAR_SECONDS} seconds (got ${sla} seconds)`);
    total += sla;
    if (step.remindAfter !== undefined) {
      const remind = step.remindAfter.toMilliseconds() / 1000;
      if (!(remind >= 1 && remind < sla))
        fail(`${at}.remindAfter must be from 1 second to less than the step's sla of ${sla} seconds (got ${remind} seconds)`);
    }
  });
  // A Standard execution runs for at most a year.
  if (total > YEAR_SECONDS)
    fail(`chain's SLAs must add up to at most ${YEAR_SECONDS} seconds, a Standard execution's limit (got ${total} seconds)`);
}

function validateReview(review: EscalationReview, fail: Fail): void {
  if (review.decisionField !== undefined && !isFieldName(review.decisionField))
    fail(`review.decisionField must be a field name ${got(review.decisionField)}`);
  if (review.choices !== undefined && (review.choices.approve === '' || review.choices.approve === review.choices.reject))
    fail(`review.choices must be two different, non-empty values ${got(review.choices)}`);
  for (const [i, entry] of (review.summary ?? []).entries()) {
    if (!isFieldName(entry.field)) fail(`review.summary[${i}].field must be a field name ${got(entry.field)}`);
  }
  const schema = review.decisionSchema as { type?: unknown } | undefined;
  if (schema !== undefined && (typeof schema !== 'object' || schema === null || schema.type !== 'object'))
    fail(`review.decisionSchema must be the JSON Schema of an object (type "object") ${got(schema?.type ?? schema)}`);
}
