// psparse.mjs FILE... — parses each file with the tree-sitter PowerShell
// grammar (npm tree-sitter-powershell, run by web-tree-sitter) and prints
// every syntax error as FILE:LINE:COL. Exit 1 when any file has one.
// There is no PowerShell on the machines hcops is built and tested on, so
// this is how the generated collectors are checked for syntax. The npm
// packages are installed by scripts/test-deps.sh into HCOPS_PSPARSE_DIR.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const dir = process.env.HCOPS_PSPARSE_DIR;
const { Parser, Language } = await import(pathToFileURL(join(dir, 'node_modules/web-tree-sitter/web-tree-sitter.js')).href);
await Parser.init();
const lang = await Language.load(join(dir, 'node_modules/tree-sitter-powershell/tree-sitter-powershell.wasm'));
const parser = new Parser();
parser.setLanguage(lang);
let bad = 0;
for (const f of process.argv.slice(2)) {
  const src = readFileSync(f, 'utf8');
  const walk = (n) => {
    // Only subtrees with an error in them are walked: the API makes an
    // object per node visited, which is slow on a long script.
    if (!n.hasError && !n.isMissing) return;
    if (n.type === 'ERROR' || n.isMissing) {
      bad++;
      const what = n.isMissing ? 'missing ' + n.type : 'syntax error near ' + JSON.stringify(src.slice(n.startIndex, Math.min(n.endIndex, n.startIndex + 60)));
      console.log(`${f}:${n.startPosition.row + 1}:${n.startPosition.column + 1}: ${what}`);
      return;
    }
    for (let i = 0; i < n.childCount; i++) walk(n.child(i));
  };
  walk(parser.parse(src).rootNode);
}
process.exit(bad ? 1 : 0);
