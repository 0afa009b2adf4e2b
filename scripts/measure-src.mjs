#!/usr/bin/env node
// Measures what issue 21 asks of every package's src/: the largest files (lines) per package; every
// function longer than a limit (150 lines by default), with whether a reason is written beside it (a
// comment above the function or a statement that holds it, saying it is long on purpose); and the
// names (values, types) each entry of @hutong/core exports.
// Usage: node scripts/measure-src.mjs [--top N] [--limit LINES] [--json]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const top = option('--top', 5);
const limit = option('--limit', 150);
const root = new URL('..', import.meta.url).pathname;
const packagesDir = join(root, 'packages');

function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

const REASON = /\b(longer than|on purpose|long because|kept long|why long|one long|lines? long)\b/i;

function hasReason(node, source) {
  const text = source.getFullText();
  for (let at = node; at && !ts.isSourceFile(at); at = at.parent) {
    const comments = ts.getLeadingCommentRanges(text, at.getFullStart()) ?? [];
    if (comments.some((c) => REASON.test(text.slice(c.pos, c.end)))) return true;
    if (ts.isBlock(at) || ts.isSourceFile(at.parent)) {
      if (ts.isSourceFile(at.parent)) return false;
    }
  }
  return false;
}

function functionName(node) {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  if (node.name) return node.name.getText();
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText();
  if (parent && ts.isCallExpression(parent)) {
    const callee = parent.expression.getText();
    const first = parent.arguments[0];
    const label = first && ts.isStringLiteralLike(first) ? ` '${first.text}'` : '';
    return `${callee}(${label.trim()}) callback`;
  }
  return '(anonymous)';
}

const report = { files: {}, longFunctions: [] };
for (const pkg of readdirSync(packagesDir).sort()) {
  const src = join(packagesDir, pkg, 'src');
  let files;
  try {
    files = sourceFiles(src);
  } catch {
    continue;
  }
  const sized = files.map((path) => {
    const text = readFileSync(path, 'utf8');
    const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const start = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
        const lines = end - start + 1;
        if (lines > limit) {
          report.longFunctions.push({
            file: relative(root, path),
            line: start,
            name: functionName(node),
            lines,
            reason: hasReason(node, source),
          });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    return { file: relative(root, path), lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0) };
  });
  sized.sort((a, b) => b.lines - a.lines);
  report.files[pkg] = {
    count: sized.length,
    total: sized.reduce((n, f) => n + f.lines, 0),
    largest: sized.slice(0, top),
  };
}

/** The names an entry exports, as the compiler sees them: values (runtime) and types only. */
function entryNames(entries) {
  const program = ts.createProgram(entries, {
    module: ts.ModuleKind.ESNext,
    target: ts.ScriptTarget.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  return entries.map((entry) => {
    const module = checker.getSymbolAtLocation(program.getSourceFile(entry));
    const names = module ? checker.getExportsOfModule(module) : [];
    const isValue = (symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      return (target.flags & ts.SymbolFlags.Value) !== 0;
    };
    const values = names.filter(isValue).length;
    return { entry: relative(root, entry), names: names.length, values, types: names.length - values };
  });
}
const coreSrc = join(packagesDir, 'core', 'src');
report.coreEntries = entryNames(
  ['index.ts', 'provider-utils/index.ts', 'store-kit/index.ts', 'testing/index.ts', 'conformance/index.ts'].map(
    (file) => join(coreSrc, file),
  ),
);

if (args.includes('--json')) {
  console.log(JSON.stringify(report, null, 2));
} else {
  for (const [pkg, { count, total, largest }] of Object.entries(report.files)) {
    console.log(
      `${pkg}: ${count} files, ${total} lines; largest: ${largest.map((f) => `${relative(`packages/${pkg}/src`, f.file)} (${f.lines})`).join(', ')}`,
    );
  }
  console.log(`\nfunctions over ${limit} lines:`);
  for (const f of report.longFunctions.sort((a, b) => b.lines - a.lines)) {
    console.log(`  ${f.lines}\t${f.file}:${f.line}\t${f.name}\t${f.reason ? 'reason written' : 'NO REASON'}`);
  }
  if (report.longFunctions.length === 0) console.log('  none');
  console.log('\n@hutong/core entries:');
  for (const { entry, names, values, types } of report.coreEntries) {
    console.log(`  ${entry}: ${names} names (${values} values, ${types} types only)`);
  }
}
