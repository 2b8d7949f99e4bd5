import { AwsError } from '../endpoint/aws-error.js';
import type { LoadedApp } from '../template/load.js';
import { compilePattern, matchesPattern } from './pattern.js';

/** Where every event of this runtime comes from: its one account and Region. */
export interface EventOrigin {
  readonly accountId: string;
  readonly region: string;
}

/**
 * A warning for each rule whose pattern asks for an `account` or `region` no event here carries.
 * Every event a local bus accepts is this runtime's account's and Region's (the runtime runs
 * every stack in its own Region, and no other account or Region forwards to it), so such a rule
 * never matches locally, silently; on AWS it matches where its stack is deployed to the Region
 * (or in the account) it names. An app that pins its rule to the author's Region (`region:
 * ["ap-southeast-2"]`) then logs nothing here, and the report says why.
 */
export function rulesMatchingElsewhere(app: LoadedApp, origin: EventOrigin): string[] {
  const envelope = { account: origin.accountId, region: origin.region };
  return app.stacks
    .flatMap((stack) => stack.resources)
    .filter((r) => r.type === 'AWS::Events::Rule')
    .flatMap((rule) => {
      const pattern = parsedPattern(rule.properties.EventPattern);
      const fields = (['account', 'region'] as const).filter(
        (field) => pattern?.[field] !== undefined && !fieldMatches(field, pattern[field], envelope),
      );
      if (fields.length === 0) return [];
      const asked = fields.map((field) => `${field} ${JSON.stringify(pattern?.[field])}`).join(' and ');
      const carried = fields.map((field) => `${field} ${envelope[field]}`).join(' and ');
      return [
        `${rule.stackName}/${rule.logicalId} (AWS::Events::Rule): its event pattern asks for ${asked}, but every event here carries this runtime's ${carried}: it never matches locally (on AWS it matches only where the stack is deployed to what it names)`,
      ];
    });
}

function parsedPattern(value: unknown): Record<string, unknown> | undefined {
  let pattern = value;
  if (typeof value === 'string') {
    try {
      pattern = JSON.parse(value);
    } catch (error) {
      // The rule's own validation names a pattern that is not JSON; this check has nothing to read.
      if (error instanceof SyntaxError) return undefined;
      throw error;
    }
  }
  return typeof pattern === 'object' && pattern !== null && !Array.isArray(pattern) ? (pattern as Record<string, unknown>) : undefined;
}

/** Whether the pattern's test of this one field passes for the runtime's value (a pattern that does not compile is the rule's own validation's to name). */
function fieldMatches(field: 'account' | 'region', test: unknown, envelope: Record<'account' | 'region', string>): boolean {
  try {
    return matchesPattern(compilePattern({ [field]: test }), { [field]: envelope[field] });
  } catch (error) {
    if (error instanceof AwsError) return true;
    throw error;
  }
}
