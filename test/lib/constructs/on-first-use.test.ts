import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(import.meta.dirname, '../../..');

/** The CommonJS files a new process has loaded once it imported the constructs' entry (this file's own imports loaded everything). */
function loadedByTheEntry(): string[] {
  const script =
    "await import('./lib/constructs/index.ts'); const { createRequire } = await import('node:module'); " +
    'console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));';
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  return (JSON.parse(out) as string[]).map((file) => path.relative(path.join(root, 'node_modules'), file));
}

describe('onFirstUse', () => {
  it('leaves the modules of constructs an app does not make unloaded by an import of the constructs', () => {
    const loaded = loadedByTheEntry();
    const packages = [
      'cdk-monitoring-constructs/',
      'aws-cdk-lib/aws-apigatewayv2/lib/',
      'aws-cdk-lib/aws-apigateway/lib/',
      'aws-cdk-lib/aws-secretsmanager/lib/',
      'aws-cdk-lib/aws-scheduler/lib/',
      'aws-cdk-lib/aws-s3/lib/',
      'aws-cdk-lib/aws-pipes/lib/',
      'aws-cdk-lib/aws-eventsv2/lib/',
    ];
    expect(packages.filter((name) => loaded.some((file) => file.startsWith(name)))).toEqual([]);
    // The check sees what an import loads: the constructs every app makes are there.
    expect(loaded.some((file) => file.startsWith('aws-cdk-lib/aws-lambda/lib/'))).toBe(true);
  });
});
