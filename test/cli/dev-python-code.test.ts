import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HandlerCode } from '../../cli/dev/handler-code.js';
import { synthesize } from '../../cli/dev/synth.js';
import type { SynthRecord } from '../../cli/dev/synth-record.js';
import { useTempFolders, writeFiles } from '../helpers/temp-folders.js';

const { withFiles: project } = useTempFolders('switchyard-python-code-');

/**
 * A CDK-like app with a Python function's code staged as CDK stages `Code.fromAsset('report')`:
 * the source folder listed and read (its fingerprint), then copied into an asset folder its asset
 * manifest names. It also reads a settings file of its own.
 */
const APP = {
  'cdk.json': '{}',
  'settings.json': '{"stage":"dev"}',
  'report/index.py': 'from helper import greet\n\ndef handler(event, context):\n    return greet("report")\n',
  'report/helper.py': 'def greet(who):\n    return "hello from " + who\n',
  'app.mjs': `import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
const out = process.env.CDK_OUTDIR;
readFileSync('settings.json', 'utf8');
// As CDK fingerprints a source folder: each file listed and read.
for (const file of readdirSync('report')) readFileSync('report/' + file);
rmSync(out + '/asset.py1', { recursive: true, force: true });
mkdirSync(out + '/asset.py1', { recursive: true });
cpSync('report', out + '/asset.py1', { recursive: true });
writeFileSync(out + '/App.assets.json', JSON.stringify({ files: { a: { source: { path: 'asset.py1', packaging: 'zip' } } } }));
writeFileSync(out + '/manifest.json', JSON.stringify({ version: '1' }));
`,
};

async function pythonApp(files: Record<string, string> = APP): Promise<{ root: string; record: SynthRecord; code: HandlerCode }> {
  const root = project(files);
  const outdir = path.join(root, '.switchyard', 'cdk.out');
  const state = { scratch: path.join(root, '.switchyard', 'tmp'), bundleCache: path.join(root, '.switchyard', 'bundle-cache') };
  const { record } = await synthesize({ root, app: `"${process.execPath}" app.mjs`, context: {} }, outdir, state);
  if (record === undefined) throw new Error('no record');
  return { root, record, code: new HandlerCode(root, path.join(root, '.switchyard', 'code'), record) };
}

describe('HandlerCode, a Python function copied from a source folder', () => {
  it("learns from the synthesis which folder the function's asset is a copy of, and plans an edit of it with no synthesis", async () => {
    const { root, record, code } = await pythonApp();
    expect(record.copies).toEqual([
      expect.objectContaining({ assetDir: path.join(root, '.switchyard', 'cdk.out', 'asset.py1'), source: path.join(root, 'report') }),
    ]);
    expect(record.read.map((stamp) => path.relative(root, stamp.file))).not.toContain('report/index.py');
    expect(code.plan([path.join(root, 'report', 'helper.py')])).toEqual({ kind: 'code', bundles: record.copies });
    // A file added to the folder is the function's code too; the app's own settings still synthesize.
    writeFiles(root, { 'report/extra.py': 'X = 1\n' });
    expect(code.plan([path.join(root, 'report', 'extra.py')])).toEqual({ kind: 'code', bundles: record.copies });
    expect(code.plan([path.join(root, 'settings.json')])).toEqual({ kind: 'synth', reason: "the app's synthesis reads settings.json" });
  });

  it('takes a folder whose Python is in a subfolder only (a package beside its requirements.txt) as the source, not the subfolder', async () => {
    const { root, record } = await pythonApp({
      'cdk.json': '{}',
      'svc/requirements.txt': 'requests\n',
      'svc/src/app.py': 'def handler(event, context):\n    return 1\n',
      'app.mjs': `import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
const out = process.env.CDK_OUTDIR;
for (const folder of ['svc', 'svc/src']) for (const entry of readdirSync(folder, { withFileTypes: true })) if (entry.isFile()) readFileSync(folder + '/' + entry.name);
cpSync('svc', out + '/asset.svc', { recursive: true });
writeFileSync(out + '/App.assets.json', JSON.stringify({ files: { a: { source: { path: 'asset.svc', packaging: 'zip' } } } }));
writeFileSync(out + '/manifest.json', '{}');
`,
    });
    expect(record.copies.map((copy) => path.relative(root, copy.source))).toEqual(['svc']);
    // Its dependencies are installed by a synthesis (PythonFunction's bundling), its code copied.
    const code = new HandlerCode(root, path.join(root, '.switchyard', 'code'), record);
    expect(code.plan([path.join(root, 'svc', 'requirements.txt')])).toEqual({
      kind: 'synth',
      reason: "the app's synthesis reads svc/requirements.txt",
    });
    expect(code.plan([path.join(root, 'svc', 'src', 'app.py')])).toEqual({ kind: 'code', bundles: record.copies });
  });

  it('copies the edited folder into a folder of its own for the function to run, and keeps what it replaces for a restart', async () => {
    const { root, record, code } = await pythonApp();
    writeFiles(root, { 'report/helper.py': 'def greet(who):\n    return "edited for " + who\n' });
    expect(code.stale()).toEqual(record.copies);
    const [outcome] = await code.rebuild(record.copies);
    await code.dispose();
    if (outcome === undefined || !('rebuilt' in outcome)) throw new Error(`not copied: ${JSON.stringify(outcome)}`);
    expect(readFileSync(path.join(outcome.rebuilt.dir, 'helper.py'), 'utf8')).toContain('edited for');
    expect(readFileSync(path.join(outcome.rebuilt.dir, 'index.py'), 'utf8')).toContain('from helper import greet');
    expect(code.replacements()).toEqual(new Map([[record.copies[0]?.assetDir, outcome.rebuilt.dir]]));
    expect(code.stale()).toEqual([]);
    const again = new HandlerCode(root, path.join(root, '.switchyard', 'code'), record);
    expect(again.replacements()).toEqual(new Map([[record.copies[0]?.assetDir, outcome.rebuilt.dir]]));
  });

  it('fails to copy a folder whose Python does not compile, naming the file, line and column, and keeps the last good code', async () => {
    const { root, record, code } = await pythonApp();
    writeFiles(root, { 'report/helper.py': 'def greet(who):\n    return "unclosed" + (who\n' });
    const [outcome] = await code.rebuild(record.copies);
    await code.dispose();
    expect(outcome && 'error' in outcome && outcome.error.lines).toEqual([
      expect.stringMatching(/^report\/helper\.py:2:\d+: SyntaxError: /),
    ]);
    expect(code.replacements().size).toBe(0);
  });
});
