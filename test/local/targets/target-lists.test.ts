import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ruleTargetRunsLocally } from '../../../local/events/definitions.js';
import { targetNotRun } from '../../../local/pipes/definitions.js';
import { targetProblem } from '../../../local/scheduler/definitions.js';
import { DISPATCHABLE, type DispatchableService } from '../../../local/targets/reachable.js';

const repo = path.resolve(import.meta.dirname, '../../..');

/** A target of each service the dispatcher reaches (a service added to DISPATCHABLE needs one here to compile). */
const TARGET_OF: Readonly<Record<DispatchableService, string>> = {
  sqs: 'arn:aws:sqs:us-east-1:123456789012:orders',
  sns: 'arn:aws:sns:us-east-1:123456789012:alerts',
  lambda: 'arn:aws:lambda:us-east-1:123456789012:function:audit',
  states: 'arn:aws:states:us-east-1:123456789012:stateMachine:fulfil',
  events: 'arn:aws:events:us-east-1:123456789012:event-bus/app',
  kinesis: 'arn:aws:kinesis:us-east-1:123456789012:stream/orders',
  logs: 'arn:aws:logs:us-east-1:123456789012:log-group:/app',
  firehose: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/clicks',
};

/**
 * The targets AWS documents a caller refuses though the dispatcher reaches them, each with the
 * page that says so: what a caller may keep of its own.
 */
const DOCUMENTED_REFUSALS: Readonly<Record<string, readonly DispatchableService[]>> = {
  // https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-templated.html: no CloudWatch Logs templated target.
  scheduler: ['logs'],
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Array literals naming at least three of the dispatcher's services, in `local/`, but a module's `needs`. */
function serviceLists(): { where: string; text: string; comment: string }[] {
  const names = new Set<string>(Object.keys(DISPATCHABLE));
  const found: { where: string; text: string; comment: string }[] = [];
  for (const file of tsFiles(path.join(repo, 'local'))) {
    const source = readFileSync(file, 'utf8');
    const tree = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isArrayLiteralExpression(node)) {
        const named = node.elements.filter((e) => ts.isStringLiteral(e) && names.has(e.text));
        const parent = node.parent;
        const isNeeds = ts.isPropertyAssignment(parent) && parent.name.getText() === 'needs';
        if (new Set(named.map((e) => (e as ts.StringLiteral).text)).size >= 3 && !isNeeds) {
          let statement: ts.Node = node;
          while (!ts.isSourceFile(statement.parent)) statement = statement.parent;
          const comment = (ts.getLeadingCommentRanges(source, statement.pos) ?? []).map((r) => source.slice(r.pos, r.end)).join('\n');
          const line = tree.getLineAndCharacterOfPosition(node.getStart()).line + 1;
          found.push({ where: `${path.relative(repo, file)}:${line}`, text: node.getText().replace(/\s+/g, ' '), comment });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(tree);
  }
  return found;
}

describe('the targets a caller may deliver to', () => {
  it('are the ones the dispatcher reaches, for EventBridge rules, pipes and schedules alike', () => {
    for (const [service, arn] of Object.entries(TARGET_OF) as [DispatchableService, string][]) {
      expect(ruleTargetRunsLocally(arn), `rule target ${arn}`).toBe(true);
      expect(targetNotRun(arn), `pipe target ${arn}`).toBeUndefined();
      const refused = DOCUMENTED_REFUSALS.scheduler?.includes(service) ?? false;
      if (refused) expect(targetProblem(arn), `schedule target ${arn}`).toMatch("is not one of Scheduler's templated targets");
      else expect(targetProblem(arn), `schedule target ${arn}`).toBeUndefined();
    }
  });

  it('are refused by each caller alike when the dispatcher does not reach them', () => {
    for (const arn of ['arn:aws:codebuild:us-east-1:123456789012:project/build', 'arn:aws:sqs']) {
      expect(ruleTargetRunsLocally(arn)).toBe(false);
      expect(targetNotRun(arn)).toBeDefined();
      expect(targetProblem(arn)).toBeDefined();
    }
  });

  it('are listed in local/ by the dispatcher alone: another list of target services is a restriction AWS documents, citing the page', () => {
    const undocumented = serviceLists().filter((list) => !list.comment.includes('https://docs.aws.amazon.com/'));
    expect(undocumented.map((list) => `${list.where} ${list.text}`)).toEqual([]);
  });
});
