import { describe, expect, it } from 'vitest';
import { pipeDefinitions } from '../../../local/pipes/definitions.js';
import { TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import type { TemplateResource } from '../../../local/template/cloud-assembly.js';
import { loadApp } from '../../../local/template/load.js';
import { assemblyOf } from '../assembly.js';
import { arnOf, sqsQueue } from '../template-resources.js';

function warningsOf(resources: Record<string, TemplateResource>): string[] {
  return pipeDefinitions(loadApp({ cdkOut: assemblyOf(resources, 'S'), baseUrl: 'http://127.0.0.1:4566', types: TEMPLATE_TYPES })).warnings;
}

const pipe = (source: unknown, target: unknown): TemplateResource => ({
  Type: 'AWS::Pipes::Pipe',
  Properties: { RoleArn: 'arn:aws:iam::000000000000:role/r', Source: source, Target: target },
});

describe('pipeDefinitions of what the app imports', () => {
  it('names a source queue and a target the app does not declare: the pipe does not run, its deliveries would fail', () => {
    const warnings = warningsOf({
      In: sqsQueue('in'),
      Out: sqsQueue('out'),
      FromElsewhere: pipe('arn:aws:sqs:us-east-1:000000000000:elsewhere', arnOf('Out')),
      ToElsewhere: pipe(arnOf('In'), 'arn:aws:events:us-east-1:000000000000:event-bus/Shared'),
    });
    expect(warnings).toEqual([
      expect.stringMatching(
        /^S\/FromElsewhere \(AWS::Pipes::Pipe\): its source .*:elsewhere is not in the app .*the pipe does not run locally$/,
      ),
      expect.stringMatching(/^S\/ToElsewhere \(AWS::Pipes::Pipe\): its target .*event-bus\/Shared is not in the app .*deliveries fail/),
    ]);
  });

  it('is silent on a pipe between resources the app declares', () => {
    expect(warningsOf({ In: sqsQueue('in'), Out: sqsQueue('out'), Pipe: pipe(arnOf('In'), arnOf('Out')) })).toEqual([]);
  });
});
