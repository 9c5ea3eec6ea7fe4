/**
 * The rule that makes a translation one file per side: the dashboard's words are only in
 * web/src/strings.ts. A word written straight into the JSX of web/src/*.tsx (text between
 * tags, or a literal aria-label, title, placeholder or alt) fails here, naming file and line.
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

test('the dashboard writes no word outside web/src/strings.ts', () => {
  const folder = join(REPO_ROOT, 'web', 'src');
  const files = readdirSync(folder).filter((name) => name.endsWith('.tsx'));
  assert.ok(files.length > 10, 'the app has its pages');
  const found = files.flatMap((name) =>
    literalWords(`web/src/${name}`, readFileSync(join(folder, name), 'utf8')),
  );
  assert.deepEqual(found, [], 'words to move into web/src/strings.ts');
});
