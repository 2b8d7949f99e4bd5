import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { digest, type FileStamp, stampFiles } from './file-stamps.js';

/**
 * An asset folder that is a copy of a source folder of the project, as CDK stages a Python
 * function's code (`Code.fromAsset('lambdas/report')`, a PythonFunction's entry): an edit of
 * the source is that function's new code once copied, with no synthesis.
 */
export interface CopyRecord {
  /** The asset folder in cdk.out the functions' `Code` points at. */
  readonly assetDir: string;
  /** The project folder it is a copy of. */
  readonly source: string;
  /** The source's files as they were copied. */
  readonly files: readonly FileStamp[];
}

/** What a copy is never compared by: Python's bytecode caches and dot-files (an editor's, a virtualenv's). */
const NOT_COMPARED = /(^|\/)(__pycache__|\.[^/]*)(\/|$)/;

/**
 * The asset folders (those no bundle was found in) that hold Python code copied from a folder
 * the synthesis listed (CDK lists a source folder to fingerprint and copy it): each with the
 * folder whose every file it holds with the same content, the one with the most files when a
 * folder and its subfolder both are.
 */
export function copiedAssets(assetDirs: readonly string[], listed: ReadonlySet<string>): CopyRecord[] {
  const assets = assetDirs.map((assetDir) => ({ assetDir, asset: filesOf(assetDir) })).filter(({ asset }) => asset.some(isPython));
  if (assets.length === 0) return [];
  // Only folders with Python in them or in a listed subfolder are walked: a synthesis may list many (a Docker build's context).
  const folders = [...listed].filter((folder) => !folder.split(path.sep).includes('node_modules'));
  const python = folders.filter(holdsPython);
  const sources = folders
    .filter((folder) => python.some((inner) => inner === folder || inner.startsWith(`${folder}${path.sep}`)))
    .map((folder) => ({ folder, files: filesOf(folder) }));
  const copies: CopyRecord[] = [];
  for (const { assetDir, asset } of assets) {
    const held = new Set(asset);
    const best = sources
      .filter(({ folder, files }) =>
        files.every((file) => held.has(file) && sameContent(path.join(folder, file), path.join(assetDir, file))),
      )
      .sort((a, b) => b.files.length - a.files.length)[0];
    if (best === undefined) continue;
    copies.push({ assetDir, source: best.folder, files: stampFiles(best.files.map((file) => path.join(best.folder, file))) });
  }
  return copies;
}

/** Whether a file is inside a copy's source folder (a file added there is the copy's too). */
export function isInsideSource(file: string, copy: CopyRecord): boolean {
  const relative = path.relative(copy.source, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** Python's dependency files: a change to one is installed by a synthesis (PythonFunction's bundling), not copied. */
const DEPENDENCY_FILES = /^(requirements[^/]*\.txt|Pipfile|Pipfile\.lock|pyproject\.toml|poetry\.lock|uv\.lock|setup\.py|setup\.cfg)$/;

export function isDependencyFile(file: string): boolean {
  return DEPENDENCY_FILES.test(path.basename(file));
}

/** A folder's files, relative to it with `/` separators, without those never compared. */
export function filesOf(folder: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(folder, { recursive: true, encoding: 'utf8' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .map((entry) => entry.split(path.sep).join('/'))
    .filter((entry) => !NOT_COMPARED.test(entry) && isFile(path.join(folder, entry)))
    .sort();
}

/** Whether the folder itself (not a subfolder) holds a Python file. */
function holdsPython(folder: string): boolean {
  try {
    return readdirSync(folder).some(isPython);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw error;
  }
}

function isPython(file: string): boolean {
  return file.endsWith('.py');
}

function isFile(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isFile() === true;
}

function sameContent(a: string, b: string): boolean {
  return digest(readFileSync(a)) === digest(readFileSync(b));
}

/** Compiles each file without running it, printing `file:line:column: SyntaxError: message` for each that does not compile. */
const COMPILE = `import sys
for name in sys.argv[1:]:
    try:
        with open(name, 'rb') as source:
            compile(source.read(), name, 'exec', dont_inherit=True)
    except SyntaxError as error:
        print('%s:%s:%s: %s: %s' % (name, error.lineno, error.offset, type(error).__name__, error.msg))`;

/**
 * The syntax errors of the Python files (project-relative, run in `cwd`), one line each with its
 * file, line and column; none when they all compile. Python is the one the runtime runs them on
 * (SWITCHYARD_PYTHON, else python3, as local/lambda/runtime/hosts/python-interpreter.ts picks it).
 * @throws Error when Python cannot be run at all (the code is then not known to compile)
 */
export function pythonSyntaxErrors(files: readonly string[], cwd: string): Promise<string[]> {
  const python = process.env.SWITCHYARD_PYTHON || 'python3';
  return new Promise((resolve, reject) => {
    if (files.length === 0) return resolve([]);
    const child = spawn(python, ['-c', COMPILE, ...files], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', (error) =>
      reject(new Error(`${python} could not run to check the Python code (${error.message}): set SWITCHYARD_PYTHON`, { cause: error })),
    );
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${python} failed checking the Python code (exit ${code}): ${stderr.trim().slice(0, 300)}`));
      resolve(stdout.split('\n').filter((line) => line.trim() !== ''));
    });
  });
}
