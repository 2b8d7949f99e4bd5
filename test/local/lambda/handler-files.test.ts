import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { handlerFileWarnings } from '../../../local/lambda/runtime/handler-files.js';

describe('handlerFileWarnings', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'switchyard-handler-files-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const code = (files: Record<string, string>) => {
    const dir = mkdtempSync(path.join(root, 'code-'));
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    }
    return dir;
  };
  const fn = (codePath: string, handler: string, runtime = 'nodejs24.x') => ({ name: 'Stack-Fn', runtime, handler, codePath });

  it('names a Node.js function whose handler module is TypeScript only, with the file and what to run', () => {
    const [warning] = handlerFileWarnings([fn(code({ 'src/orders.ts': 'export const handler = 1;' }), 'src/orders.handler')]);
    expect(warning).toMatch(
      /^\[as in AWS\] function Stack-Fn: its handler src\/orders\.handler names src\/orders\.ts, which is TypeScript, and its code has no orders\.js/,
    );
    expect(warning).toMatch(/Runtime\.ImportModuleError, as on AWS\. Run the build that compiles it/);
  });

  it.each([
    ['its module is JavaScript beside the source', { 'index.ts': '', 'index.js': '' }, 'index.handler', 'nodejs24.x'],
    ['its module is ES module JavaScript', { 'index.mjs': '' }, 'index.handler', 'nodejs24.x'],
    ['it is a Python function', { 'index.ts': '' }, 'index.handler', 'python3.13'],
    ['Node resolves the name from its node_modules', { 'node_modules/index/index.js': '' }, 'index.handler', 'nodejs24.x'],
    ['its module has no extension', { index: '' }, 'index.handler', 'nodejs24.x'],
  ])('says nothing when %s', (_what, files, handler, runtime) => {
    expect(handlerFileWarnings([fn(code(files), handler, runtime)])).toEqual([]);
  });

  it('names a Node.js function whose code holds no module of its handler at all, with what its folder holds', () => {
    const folder = code({ 'package.json': '{}', 'README.md': '' });
    const [warning] = handlerFileWarnings([fn(folder, 'app.lambdaHandler')]);
    expect(warning).toBe(
      `[as in AWS] function Stack-Fn: its handler app.lambdaHandler names the module app, and its code has no app.js, .mjs or .cjs ` +
        `(its folder ${folder} holds README.md, package.json): every invocation fails its init with Runtime.ImportModuleError ` +
        "(Cannot find module), as on AWS. Add the module, or run the build that writes it (a file the repository's .gitignore leaves out " +
        'is not in a clone) before switchyard dev or cdk deploy',
    );
  });

  it("says why the handler's folder could not be read, rather than that it has none", () => {
    const folder = code({ 'package.json': '{}' });
    // A link to itself: readdir fails with ELOOP (as root, the one failure besides a missing folder a test can make).
    symlinkSync('lib', path.join(folder, 'lib'));
    const [warning] = handlerFileWarnings([fn(folder, 'lib/app.handler')]);
    expect(warning).toContain(`(its folder ${path.join(folder, 'lib')} could not be read: ELOOP`);
    expect(handlerFileWarnings([fn(code({ 'package.json': '{}' }), 'lib/app.handler')])[0]).toContain('has no folder lib');
  });

  it('says nothing of code that is no folder, missing or an archive (the template reader names it)', () => {
    const archive = path.join(code({ 'code.zip': 'PK' }), 'code.zip');
    expect(handlerFileWarnings([fn(path.join(root, 'absent'), 'app.handler'), fn(archive, 'app.handler')])).toEqual([]);
  });
});
