/**
 * The rule that makes a translation one file: every word a person reads is in the catalog,
 * src/catalog/index.ts. A word written straight into the JSX of web/src/*.tsx (text between
 * tags, or a literal aria-label, title, placeholder or alt) fails here, naming file and line;
 * so does one written into the markup of the server-rendered status page, its badges and
 * feeds (src/status-page).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { REPO_ROOT } from '../testing/index.js';

/** Attributes a person reads or hears. */
const WORDED_ATTRIBUTES = new Set([
  'aria-label',
  'aria-description',
  'title',
  'placeholder',
  'alt',
]);
/** A word: any letter, in any script. Punctuation, digits and spaces alone are no word. */
const WORD = /\p{L}/u;

/** The words written into the JSX of one file, as `file:line "text"`. */
export function literalWords(file: string, source: string): string[] {
  const tree = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const report = (node: ts.Node, text: string) => {
    const line = tree.getLineAndCharacterOfPosition(node.getStart(tree)).line + 1;
    found.push(`${file}:${String(line)} ${JSON.stringify(text.trim())}`);
  };
  const literalOf = (node: ts.Node | undefined): string | undefined => {
    if (node && ts.isJsxExpression(node)) return literalOf(node.expression);
    if (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) {
      return node.text;
    }
    return undefined;
  };
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node) && WORD.test(node.text)) report(node, node.text);
    if (ts.isJsxAttribute(node) && WORDED_ATTRIBUTES.has(node.name.getText(tree))) {
      const text = literalOf(node.initializer);
      if (text !== undefined && WORD.test(text)) report(node, text);
    }
    // A literal child expression, {'Save'}, is text between tags too.
    if (ts.isJsxExpression(node) && ts.isJsxElement(node.parent)) {
      const text = literalOf(node);
      if (text !== undefined && WORD.test(text)) report(node, text);
    }
    ts.forEachChild(node, visit);
  };
  visit(tree);
  return found;
}

/** Where a substitution `${…}` stood in a template: no word, and no `<` or `>`. */
const HOLE = '\u0000';

/**
 * The words written into the markup (HTML, SVG, XML) of one server-rendered file: text
 * between tags, or a literal worded attribute, in a string or template that holds a tag.
 */
function markupWords(file: string, source: string): string[] {
  const tree = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    let text: string | undefined;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
    if (ts.isTemplateExpression(node)) {
      text = [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join(HOLE);
    }
    if (text !== undefined && /<[\p{L}/!?]/u.test(text)) {
      const line = tree.getLineAndCharacterOfPosition(node.getStart(tree)).line + 1;
      const report = (word: string) =>
        found.push(`${file}:${String(line)} ${JSON.stringify(word.replaceAll(HOLE, '${…}'))}`);
      for (const [, name = '', value = ''] of text.matchAll(/\s([\w-]+)="([^"]*)"/g)) {
        if (WORDED_ATTRIBUTES.has(name) && WORD.test(value)) report(value);
      }
      for (const between of text.split(/<[^>]*>/)) if (WORD.test(between)) report(between.trim());
    }
    ts.forEachChild(node, visit);
  };
  visit(tree);
  return found;
}

test('the rule finds words in JSX text and worded attributes, and lets the catalog through', () => {
  const source = `const a = <p title="Hello" class="x">Hi {name} · {'Bye'}</p>;
const b = <input aria-label={strings.x} placeholder={\`Type\`} value="kept" />;
const c = <span aria-label={strings.y}> · ({count}) — 42 </span>;`;
  assert.deepEqual(literalWords('f.tsx', source), [
    'f.tsx:1 "Hello"',
    'f.tsx:1 "Hi"',
    'f.tsx:1 "Bye"',
    'f.tsx:2 "Type"',
  ]);
});

test('the dashboard writes no word outside the catalog', () => {
  const folder = join(REPO_ROOT, 'web', 'src');
  const files = readdirSync(folder).filter((name) => name.endsWith('.tsx'));
  assert.ok(files.length > 10, 'the app has its pages');
  const found = files.flatMap((name) =>
    literalWords(`web/src/${name}`, readFileSync(join(folder, name), 'utf8')),
  );
  assert.deepEqual(found, [], 'words to move into src/catalog/index.ts');
});

test('the markup rule finds words between tags and in worded attributes, and lets the catalog through', () => {
  const source = `const a = \`<p class="x" title="Hello">\${s.a} · Hi \${n}</p>\`;
const b = '<text x="4">Bye</text>';
const c = \`<svg aria-label="\${l}: \${m}"><title>\${l}: \${m}</title></svg>\`;
const d = \`/status/\${slug}\`, e = \`<?xml version="1.0"?>\n<rss>\${items}</rss>\`;`;
  assert.deepEqual(markupWords('f.ts', source), [
    'f.ts:1 "Hello"',
    'f.ts:1 "${…} · Hi ${…}"',
    'f.ts:2 "Bye"',
  ]);
});

test('the status page, its badges and feeds write no word outside the catalog', () => {
  const folder = join(REPO_ROOT, 'src', 'status-page');
  const files = readdirSync(folder).filter((name) => /(?<!\.test)\.ts$/.test(name));
  assert.ok(files.includes('html.ts') && files.includes('badges.ts') && files.includes('feeds.ts'));
  const found = files.flatMap((name) =>
    markupWords(`src/status-page/${name}`, readFileSync(join(folder, name), 'utf8')),
  );
  assert.deepEqual(found, [], 'words to move into src/catalog/index.ts');
});
