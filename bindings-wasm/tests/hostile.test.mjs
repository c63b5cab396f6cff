// The hostile-input corpus (tests/hostile/ in the repository, read in place,
// plus large inputs generated here) through the built npm package in Node.
// Each input must throw an Error whose message names the place, or give a
// report whose diagnostics say what was cut short — never trap or hang the
// module — and the next ordinary call must still work.
// Run: node --test bindings-wasm/tests/ (after bindings-wasm/build).
//
// The browser package reads JSON only (ARM templates, resource lists,
// Terraform plan JSON): the Terraform HCL folders of the corpus have no entry
// point here and are listed as such, not counted as passing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';

const pkg = new URL('../pkg/', import.meta.url);
const meta = JSON.parse(readFileSync(new URL('package.json', pkg)));
const amlguard = await import(new URL(meta.module, pkg).href);
amlguard.initSync({ module: readFileSync(new URL('amlguard_wasm_bg.wasm', pkg)) });

const HOSTILE = new URL('../../tests/hostile/', import.meta.url);

const PUBLIC_WS = [
  { type: 'Microsoft.MachineLearningServices/workspaces', name: 'ws', location: 'westeurope', properties: { publicNetworkAccess: 'Enabled' } },
];
const LONG_NAME = { type: 'Microsoft.Storage/storageAccounts', name: 'a'.repeat(20000) };

function stillWorks() {
  const report = amlguard.check(PUBLIC_WS);
  assert.ok(report.findings.some((f) => f.rule_id === 'AML-NET-001' && f.status === 'fail'), 'the next check still works');
}

// One line: `error: <message>` (with line/column/pointer when set) or the outcome.
function outcome(fn) {
  let result;
  try {
    result = fn();
  } catch (e) {
    assert.ok(e instanceof Error, `thrown value is an Error: ${e}`);
    const at = e.pointer !== undefined ? ` [line ${e.line}, column ${e.column}, pointer ${e.pointer}]` : '';
    return `error: ${e.message}${at}`;
  }
  if (result.findings) {
    const diags = (result.diagnostics ?? []).map((d) => `${d.level}: ${d.message} (${d.provenance.file ?? '<input>'}:${d.provenance.line} ${d.provenance.pointer})`);
    return `ok: ${result.summary.resources} resources, ${result.findings.length} findings; diagnostics: ${diags.join(' | ')}`;
  }
  return `ok: ${result.outcome} ${result.effect}`;
}

// Each entry of tests/hostile/: the substrings the outcome must contain, or
// `null` for the Terraform HCL folders (no HCL reader in the wasm package).
const FILE_CASES = {
  'copy-count.json': ['ok: 0 resources', 'error: resource not expanded: copy `count` is 1000000; azure accepts 0 to 800 (copy-count.json:9 /resources/0/copy/count)'],
  'duplicate-keys.json': ['error: duplicate-keys.json: duplicate key `publicNetworkAccess` at line 7, column 7'],
  'huge-exponent.json': ['error: huge-exponent.json: number `1e999` is out of range at line 5, column 35'],
  'infinity.json': ['error: infinity.json: invalid number at line 5, column 31'],
  // A JS string cannot hold bytes that are not UTF-8: Node's decoder has
  // already replaced them with U+FFFD, so the document is valid JSON.
  'invalid-utf8.json': ['ok: 1 resources'],
  'like-only-stars.policy.json': ['error: <policy>: pattern `***', 'cannot be used', '(at `/if/like`)'],
  'like-stars.policy.json': ['error: <policy>: pattern `*a*a', 'cannot be used', '(at `/if/like`)'],
  'match-long.policy.json': ['ok: nomatch'],
  'nan.json': ['error: nan.json: unexpected character `N` at line 5, column 30'],
  'tf-count-huge': null,
  'tf-hcl-bomb': null,
  'tf-local-cycle': null,
  'tf-module-pair': null,
  'tf-module-self': null,
  'tf-string-bomb': null,
  'variable-cycle.json': ['ok: 0 resources', 'variable `a` depends on itself through `variables/a` → `variables/b` → `variables/a` (variable-cycle.json:6 /variables/b)'],
};

test('every hostile file has an expectation; only the HCL folders have no wasm entry point', () => {
  const onDisk = readdirSync(HOSTILE).filter((n) => n !== 'README.md').sort();
  assert.deepEqual(onDisk, Object.keys(FILE_CASES).sort());
  for (const [name, parts] of Object.entries(FILE_CASES)) {
    const isDir = statSync(new URL(name, HOSTILE)).isDirectory();
    assert.equal(parts === null, isDir && name.startsWith('tf-'), name);
  }
});

for (const [name, parts] of Object.entries(FILE_CASES)) {
  if (parts === null) continue;
  test(`hostile file ${name}`, () => {
    const text = readFileSync(new URL(name, HOSTILE), 'utf8');
    const got = name.endsWith('.policy.json')
      ? outcome(() => amlguard.evaluatePolicy(text, LONG_NAME))
      : outcome(() => amlguard.check(text, { file: name }));
    for (const part of parts) assert.ok(got.includes(part), `${name}: \`${part}\` not in \`${got.slice(0, 800)}\``);
    stillWorks();
  });
}

function template(resources, variables) {
  const t = {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    resources,
  };
  if (variables) t.variables = variables;
  return t;
}

const compute = (i) => ({
  type: 'Microsoft.MachineLearningServices/workspaces/computes',
  apiVersion: '2024-04-01',
  name: `ws/ci${i}`,
  location: 'westeurope',
  properties: { computeType: 'ComputeInstance', properties: { enableNodePublicIp: true } },
});

function deepArray(depth) {
  let x = [];
  for (let i = 0; i < depth; i++) x = [x];
  return x;
}

// Generated here, never committed.
const big = 'x'.repeat(5 << 20);
const wsBig = [{ type: 'Microsoft.MachineLearningServices/workspaces', name: 'ws', properties: { description: big } }];
const many = Array.from({ length: 100000 }, (_, i) => compute(i));
const GENERATED = [
  ['deep array text', () => amlguard.check('['.repeat(100000), { file: 'deep.json' }), ['error: deep.json: nesting deeper than 256 levels at line 1, column 257']],
  ['deep object text', () => amlguard.check('{"a":'.repeat(100000)), ['error: <input>: nesting deeper than 256 levels at line 1']],
  // JSON.stringify itself gives up (a RangeError) or the reader's depth limit refuses it.
  ['deep array object', () => amlguard.check(deepArray(100000)), ['error: ']],
  ['5 MB string text', () => amlguard.check(JSON.stringify(wsBig)), ['error: <input>: ', 'azure accepts at most 4194304 bytes']],
  ['5 MB string object', () => amlguard.check(wsBig), ['ok: 1 resources']],
  ['10^5 resources text', () => amlguard.check(JSON.stringify(template(many))), ['error: <input>: ', 'azure accepts at most 4194304 bytes']],
  ['10^5 resources object', () => amlguard.check(template(many)), ['error: <input>: ', '100000 resources; azure accepts at most 800 (at `/resources`)']],
  [
    'copy count 10^6 object',
    () => amlguard.check(template([{ ...compute(0), name: "[format('ws/ci{0}', copyIndex())]", copy: { name: 'many', count: 1e6 } }])),
    ['ok: 0 resources', 'copy `count` is 1000000; azure accepts 0 to 800', '/resources/0/copy/count'],
  ],
  [
    'variable cycle object',
    () => amlguard.check(template([{ ...compute(0), name: "[variables('a')]" }], { a: "[variables('b')]", b: "[variables('a')]" })),
    ['ok: 0 resources', 'depends on itself', '/variables/'],
  ],
  ['lone surrogate text', () => amlguard.check('[{"type": "x", "name": "\ud800"}]'), ['ok: 1 resources']],
];

for (const [name, fn, parts] of GENERATED) {
  test(`hostile generated: ${name}`, () => {
    const got = outcome(fn);
    for (const part of parts) assert.ok(got.includes(part), `${name}: \`${part}\` not in \`${got.slice(0, 800)}\``);
    stillWorks();
  });
}
