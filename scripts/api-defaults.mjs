// The defaults report of each entry point (api-report/<report>.defaults.md): every optional
// prop and option an app passes in (the parameters of the exported functions, classes'
// constructors and public methods, and the types reachable from them through their
// properties), with its `@default`. API Extractor's report (<report>.api.md) leaves out doc
// comments, so a changed default would not show in it; here it is a changed line, which
// `npm run api:check` refuses until `npm run api:update` writes it, and test/api-defaults.test.ts
// holds every such prop to having an `@default` (docs/public-surface.md: "Defaults that decide
// what a deployed app does").
//
// Read from the sources with the TypeScript compiler (no build): a prop declared outside this
// repository (aws-cdk-lib's, for one) is its library's to document, and a callback's parameters
// are what the app is given, not what it passes, so neither is listed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { PACKAGES } from '../packages/index.mjs';

const root = path.resolve(import.meta.dirname, '..');

/** Every package's entry points (packages/index.mjs), each with its source and the report's name (as its API Extractor report's). */
export const DEFAULTS_ENTRY_POINTS = PACKAGES.flatMap((p) =>
  Object.entries(p.exports ?? {}).map(([subpath, source]) => {
    const entry = subpath.slice(2);
    return {
      pkg: p.name,
      entry,
      source: path.join(root, `${source}.ts`),
      report: path.join(root, 'api-report', `${reportName(entry)}.defaults.md`),
    };
  }),
);

/** The report file name API Extractor's settings give the entry point (`apiReport.reportFileName`). */
function reportName(entry) {
  const config = readFileSync(path.join(root, 'api-report', `${entry}.api-extractor.jsonc`), 'utf8');
  const name = /"reportFileName"\s*:\s*"([^"]+)"/.exec(config)?.[1];
  if (name === undefined) throw new Error(`api-report/${entry}.api-extractor.jsonc names no apiReport.reportFileName`);
  return name;
}

/**
 * @typedef {object} OptionalProp
 * @property {string} name where it is, as an app reaches it (`EffectLedger.count`, `TestApp.fork(options).at`)
 * @property {string | undefined} defaultValue its `@default` (or `@defaultValue`) text, undefined when it has none
 * @property {string} where its file and line
 */

/** Every entry point's optional input props, by entry point, and each report's text. */
export function publicDefaults() {
  const config = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
  if (config.error) throw new Error(`tsconfig.json: ${ts.flattenDiagnosticMessageText(config.error.messageText, '\n')}`);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const program = ts.createProgram(
    DEFAULTS_ENTRY_POINTS.map((e) => e.source),
    { ...options, noEmit: true },
  );
  const checker = program.getTypeChecker();
  return DEFAULTS_ENTRY_POINTS.map((entryPoint) => {
    const props = optionalInputProps(program, checker, entryPoint.source);
    return { ...entryPoint, props, text: reportText(`${entryPoint.pkg}/${entryPoint.entry}`, props) };
  });
}

/** A declaration of this repository (not of node_modules, nor TypeScript's lib). */
function ours(node) {
  const file = node.getSourceFile().fileName;
  return !file.includes('/node_modules/') && path.resolve(file).startsWith(root);
}

function optionalInputProps(program, checker, source) {
  const sourceFile = program.getSourceFile(source);
  if (sourceFile === undefined) throw new Error(`${path.relative(root, source)} is not in the program`);
  const moduleSymbol = checker.getSymbolAtLocation(sourceFile);
  if (moduleSymbol === undefined) throw new Error(`${path.relative(root, source)} exports nothing`);
  const seenTypes = new Set();
  /** @type {Map<ts.Node, OptionalProp>} */
  const found = new Map();

  const visitType = (type) => {
    if (seenTypes.has(type)) return;
    seenTypes.add(type);
    if (type.isUnionOrIntersection()) return type.types.forEach(visitType);
    if (!(type.flags & ts.TypeFlags.Object)) return;
    // An array's or a map's items (their own properties are the library's, skipped below).
    if (type.objectFlags & ts.ObjectFlags.Reference) checker.getTypeArguments(type).forEach(visitType);
    const symbol = type.getSymbol() ?? type.aliasSymbol;
    // A class instance is a construct or client the app hands over, not options it writes.
    if (symbol !== undefined && symbol.flags & ts.SymbolFlags.Class) return;
    // A callback: the app is given its parameters.
    if (checker.getSignaturesOfType(type, ts.SignatureKind.Call).length > 0 && type.getProperties().length === 0) return;
    for (const property of checker.getPropertiesOfType(type)) {
      const declaration = property.valueDeclaration ?? property.declarations?.[0];
      if (declaration === undefined || !ours(declaration)) continue;
      if (property.flags & ts.SymbolFlags.Optional && !found.has(declaration)) {
        const { line } = declaration.getSourceFile().getLineAndCharacterOfPosition(declaration.getStart());
        found.set(declaration, {
          name: nameOf(declaration),
          defaultValue: defaultOf(declaration),
          where: `${path.relative(root, declaration.getSourceFile().fileName)}:${line + 1}`,
        });
      }
      visitType(checker.getTypeOfSymbol(property));
    }
  };
  const visitSignature = (signature) => {
    for (const parameter of signature.getParameters()) visitType(checker.getTypeOfSymbol(parameter));
  };

  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (symbol.flags & ts.SymbolFlags.Class) {
      const declaration = symbol.valueDeclaration;
      if (declaration === undefined) continue;
      const constructorType = checker.getTypeOfSymbolAtLocation(symbol, declaration);
      constructorType.getConstructSignatures().forEach(visitSignature);
      constructorType.getCallSignatures().forEach(visitSignature);
      // Static methods (`BedrockModel.fromModelId`) and the instance's public methods.
      const instance = checker.getDeclaredTypeOfSymbol(symbol);
      for (const member of [...checker.getPropertiesOfType(constructorType), ...checker.getPropertiesOfType(instance)]) {
        const memberDeclaration = member.valueDeclaration;
        if (memberDeclaration === undefined || !ours(memberDeclaration) || isPrivate(memberDeclaration)) continue;
        checker.getTypeOfSymbol(member).getCallSignatures().forEach(visitSignature);
      }
    } else if (symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Variable)) {
      const declaration = symbol.valueDeclaration;
      if (declaration === undefined) continue;
      checker.getTypeOfSymbolAtLocation(symbol, declaration).getCallSignatures().forEach(visitSignature);
    } else if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias) && /(Props|Options)$/.test(symbol.name)) {
      // Exported props and options types, whether or not an exported function takes them here
      // (a construct's props a subclass passes on, the options of another entry point's function).
      visitType(checker.getDeclaredTypeOfSymbol(symbol));
    }
  }
  return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function isPrivate(declaration) {
  if (declaration.name && ts.isPrivateIdentifier(declaration.name)) return true;
  const flags = ts.getCombinedModifierFlags(declaration);
  return (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0 || hasInternalTag(declaration);
}

function hasInternalTag(declaration) {
  return ts.getJSDocTags(declaration).some((tag) => tag.tagName.text === 'internal');
}

/** `Interface.prop`, `Interface.prop.nested`, `Class.method(parameter).prop`: the way up to a named declaration. */
function nameOf(declaration) {
  const parts = [declaration.name?.getText() ?? '?'];
  for (let node = declaration.parent; node !== undefined; node = node.parent) {
    if (ts.isPropertySignature(node) || ts.isPropertyDeclaration(node)) parts.unshift(node.name.getText());
    else if (ts.isParameter(node)) parts.unshift(`(${node.name.getText()})`);
    else if (
      ts.isInterfaceDeclaration(node) ||
      ts.isTypeAliasDeclaration(node) ||
      ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isMethodSignature(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isClassDeclaration(node) ||
      ts.isVariableDeclaration(node)
    ) {
      if (ts.isConstructorDeclaration(node)) parts.unshift('constructor');
      else if (node.name !== undefined) parts.unshift(node.name.getText());
      if (!(ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) || ts.isMethodSignature(node))) break;
    }
  }
  return parts.join('.').replace(/\.\(/g, '(').replace(/\)\./g, ').');
}

/** The `@default` (or TSDoc's `@defaultValue`) text of a declaration's doc comment, on one line. */
function defaultOf(declaration) {
  const tag = ts.getJSDocTags(declaration).find((t) => t.tagName.text === 'default' || t.tagName.text === 'defaultValue');
  if (tag === undefined) return undefined;
  const comment = typeof tag.comment === 'string' ? tag.comment : ts.getTextOfJSDocComment(tag.comment);
  return (comment ?? '').replace(/\s+/g, ' ').trim();
}

function reportText(entryPoint, props) {
  return [
    `## Defaults of ${entryPoint}`,
    '',
    'Every optional prop and option an app passes to this entry point, with its `@default`.',
    'Written by scripts/api-defaults.mjs (`npm run api:update`); `npm run api:check` and',
    'test/api-defaults.test.ts compare it with the sources, so a changed default is a changed line here.',
    '',
    ...props.map((p) => `- \`${p.name}\`: ${p.defaultValue === undefined ? '(no @default)' : p.defaultValue}`),
    '',
  ].join('\n');
}
