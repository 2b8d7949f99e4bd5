// The THIRD-PARTY-NOTICES.md each package carries (scripts/assemble-packages.mjs writes it):
// the notices the third-party code and data inside the package's own files require. Code
// bundled into a prebuilt file (the console's browser bundle: its npm packages, as esbuild
// reports them) is listed with its licence text and NOTICE; data files copied from elsewhere
// are listed as packages/index.mjs declares them (`vendored`). The package's dependencies are
// installed from npm with their own licences and are not repeated.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const LICENCE_FILES = /^(licen[cs]e|copying)(\.(md|txt))?$/i;
const NOTICE_FILES = /^notice(\.(md|txt))?$/i;

/** The texts in a package folder whose names match, each once (several names may hold the same text). */
function textsIn(folder, pattern) {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((name) => pattern.test(name))
    .sort()
    .map((name) => readFileSync(path.join(folder, name), 'utf8').trim());
}

/** What a package that prebundled its own dependencies says of them (esbuild's `*.LEGAL.txt` beside its files). */
function legalTexts(folder) {
  const texts = new Set();
  for (const sub of ['dist', 'lib', '.']) {
    const dir = path.join(folder, sub);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) if (name.endsWith('.LEGAL.txt')) texts.add(readFileSync(path.join(dir, name), 'utf8').trim());
  }
  return [...texts];
}

/** One bundled npm package: name, version, licence, and the texts its licence asks to be kept. */
export function bundledPackage(folder) {
  const manifest = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8'));
  const licences = textsIn(folder, LICENCE_FILES);
  return {
    name: manifest.name,
    version: manifest.version,
    license: typeof manifest.license === 'string' ? manifest.license : 'UNKNOWN',
    texts: [...new Set([...licences, ...textsIn(folder, NOTICE_FILES), ...legalTexts(folder)])],
    missingLicenceText: licences.length === 0,
  };
}

const fence = (text) => `\`\`\`\n${text.replace(/```/g, "'''")}\n\`\`\``;

/**
 * The notices of one package: `bundles` maps a prebuilt file (as the package holds it) to the
 * folders of the npm packages bundled into it; `vendored` is the definition's list.
 * @returns {{ text: string, problems: string[] }}
 */
export function thirdPartyNotices(definition, bundles) {
  const problems = [];
  const lines = [
    `# Third-party notices: ${definition.name}`,
    '',
    `${definition.name} is licensed under Apache-2.0 (LICENSE). Some of its files hold code or data of others, listed here with the`,
    'notices their licences require. Its dependencies are installed from npm with their own licences and notices and are not repeated.',
  ];
  const bundled = Object.entries(bundles);
  if (bundled.length === 0 && (definition.vendored ?? []).length === 0) lines.push('', 'None of its files holds code or data of others.');
  for (const [file, folders] of bundled) {
    lines.push('', `## Bundled into ${file}`);
    for (const folder of folders) {
      const p = bundledPackage(folder);
      if (p.missingLicenceText) problems.push(`${file} bundles ${p.name} ${p.version}, which ships no licence file to keep with it`);
      lines.push('', `### ${p.name} ${p.version} (${p.license})`, '', ...p.texts.flatMap((text) => [fence(text), '']));
    }
  }
  for (const item of definition.vendored ?? []) {
    lines.push('', `## ${item.files}: ${item.name} (${item.license})`, '', item.notice, '', `Source: ${item.source}`);
  }
  return {
    text: `${lines
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim()}\n`,
    problems,
  };
}
