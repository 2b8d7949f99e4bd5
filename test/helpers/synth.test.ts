import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { describe, expect, inject, it } from 'vitest';
import { synthSwitchyardApp } from './synth.js';
import { useTempFolders } from './temp-folders.js';

const { folder: outdir } = useTempFolders('switchyard-synth-test-');

describe('synthSwitchyardApp', () => {
  it('bundles the app once per run and gives each caller a copy of its own', () => {
    const [a, b] = [outdir(), outdir()];
    const first = synthSwitchyardApp(a);
    const second = synthSwitchyardApp(b);

    // One synthesis, kept beside the run's folder (test/global-setup.ts), which both are copies of.
    const shared = `${inject('switchyardSynthDir')}.000000000000-us-east-1`;
    expect(existsSync(path.join(shared, 'manifest.json'))).toBe(true);
    expect(second.template.toJSON()).toEqual(first.template.toJSON());
    expect(first.assembly.directory).toBe(a);
    expect(second.assembly.directory).toBe(b);

    const fn = Object.values(first.template.findResources('AWS::Lambda::Function')).find((r) => r.Metadata?.['aws:asset:path']);
    const bundle = (dir: string) => path.join(dir, String(fn?.Metadata['aws:asset:path']), 'index.mjs');
    expect(existsSync(bundle(a))).toBe(true);
    expect(readFileSync(bundle(b), 'utf8')).toBe(readFileSync(bundle(shared), 'utf8'));

    // A caller that changes its assembly changes nobody else's.
    writeFileSync(bundle(a), 'changed');
    expect(readFileSync(bundle(b), 'utf8')).not.toBe('changed');
    expect(readFileSync(bundle(shared), 'utf8')).not.toBe('changed');
    // The first file of a run to ask pays for the bundling: a minute on a busy 2-core machine.
  }, 180_000);

  it('gives an app with props a template of its own over the shared bundles', () => {
    const [plain, configured] = [outdir(), outdir()];
    const defaults = synthSwitchyardApp(plain).template.toJSON();
    const { template, assembly } = synthSwitchyardApp(configured, undefined, { escalationSla: Duration.seconds(6) });

    // The stack file the runtime reads is the configured app's: its escalation waits 6 s, not 4 hours.
    const written = JSON.parse(readFileSync(assembly.getStackArtifact('Switchyard').templateFullPath, 'utf8'));
    expect(written).toEqual(template.toJSON());
    expect(JSON.stringify(written)).not.toEqual(JSON.stringify(defaults));
    // Every bundled function points at the shared assembly's bundle of the same logical ID, present in its copy.
    const functions = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([, r]) => r.Metadata?.['aws:asset:path']);
    expect(functions.length).toBeGreaterThan(0);
    for (const [id, fn] of functions) {
      expect(fn.Metadata['aws:asset:path']).toBe(defaults.Resources[id].Metadata['aws:asset:path']);
      expect(fn.Properties.Code).toEqual(defaults.Resources[id].Properties.Code);
      expect(existsSync(path.join(configured, String(fn.Metadata['aws:asset:path']), 'index.mjs'))).toBe(true);
    }
  });
});
