import { describe, expect, it } from 'vitest';
import { rulesMatchingElsewhere } from '../../../local/events/rules-elsewhere.js';
import { TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import type { TemplateResource } from '../../../local/template/cloud-assembly.js';
import { loadApp } from '../../../local/template/load.js';
import { assemblyOf } from '../assembly.js';
import { eventRule, sqsQueue } from '../template-resources.js';

const ORIGIN = { accountId: '000000000000', region: 'us-east-1' };

function warningsOf(pattern: Record<string, unknown> | string): string[] {
  const resources: Record<string, TemplateResource> = {
    Queue: sqsQueue('q'),
    // The template may hold the pattern as a JSON string, as CloudFormation takes it.
    Rule: eventRule({ pattern: pattern as Record<string, unknown>, id: 'T', target: 'Queue' }),
  };
  return rulesMatchingElsewhere(
    loadApp({ cdkOut: assemblyOf(resources, 'S'), baseUrl: 'http://127.0.0.1:4566', types: TEMPLATE_TYPES }),
    ORIGIN,
  );
}

describe('rulesMatchingElsewhere', () => {
  it('names a rule pinned to another Region, which no local event matches', () => {
    expect(warningsOf({ region: ['ap-southeast-2'] })).toEqual([
      'S/Rule (AWS::Events::Rule): its event pattern asks for region ["ap-southeast-2"], but every event here carries this runtime\'s region us-east-1: it never matches locally (on AWS it matches only where the stack is deployed to what it names)',
    ]);
  });

  it('names a rule pinned to another account, read as a pattern string too', () => {
    expect(warningsOf(JSON.stringify({ account: ['123456789012'], source: ['app'] }))).toEqual([
      expect.stringMatching(
        /^S\/Rule \(AWS::Events::Rule\): its event pattern asks for account \["123456789012"\], but every event here carries this runtime's account 000000000000: it never matches locally/,
      ),
    ]);
  });

  it("is silent on a pattern the runtime's events can match: its Region, a prefix, anything-but, or no envelope field", () => {
    expect(warningsOf({ region: ['us-east-1', 'eu-west-1'] })).toEqual([]);
    expect(warningsOf({ region: [{ prefix: 'us-' }] })).toEqual([]);
    expect(warningsOf({ region: [{ 'anything-but': 'eu-west-1' }], account: ['000000000000'] })).toEqual([]);
    expect(warningsOf({ source: ['app'] })).toEqual([]);
  });
});
