// Loads the built npm package (bindings-wasm/pkg, made by bindings-wasm/build)
// in Node exactly as a user would, and checks the public functions.
// Run: node --test bindings-wasm/tests/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const pkg = new URL('../pkg/', import.meta.url);
const meta = JSON.parse(readFileSync(new URL('package.json', pkg)));
const amlguard = await import(new URL(meta.module, pkg).href);
amlguard.initSync({ module: readFileSync(new URL('amlguard_wasm_bg.wasm', pkg)) });

const DESIGN = [
  { type: 'Microsoft.MachineLearningServices/workspaces', name: 'ws',
    properties: { storageAccount: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amlguard-rg/providers/Microsoft.Storage/storageAccounts/st' } },
  { type: 'Microsoft.Storage/storageAccounts', name: 'st' },
];

test('package.json describes an ES module with types', () => {
  assert.equal(meta.type, 'module');
  assert.ok(readFileSync(new URL(meta.types, pkg), 'utf8').includes('export function ingest'));
  assert.equal(amlguard.version(), meta.version);
});

test('ingest takes an object and returns plain objects', () => {
  const dep = amlguard.ingest(DESIGN);
  assert.equal(dep.resources.length, 2);
  assert.equal(Object.getPrototypeOf(dep.resources[0].value), Object.prototype);
  assert.match(dep.resources[1].value.id, /\/storageAccounts\/st$/);
  assert.deepEqual(dep.relations, [{ from: 0, to: 1, path: 'properties.storageAccount' }]);
});

test('ingest of text records lines; the file option names the source', () => {
  const dep = amlguard.ingest(JSON.stringify(DESIGN, null, 2), { file: 'design.json' });
  assert.equal(dep.resources[1].provenance.file, 'design.json');
  assert.ok(dep.resources[1].provenance.line > 1);
});

test('malformed input throws an Error with the location; the module survives', () => {
  assert.throws(() => amlguard.ingest('[\n {"type": "x",\n  "name": ]', { file: 't.json' }),
    (e) => e instanceof Error && /t\.json/.test(e.message) && e.line === 3);
  const cyclic = {}; cyclic.self = cyclic;
  assert.throws(() => amlguard.ingest(cyclic), /cannot be read as JSON/);
  assert.throws(() => amlguard.ingest({ a: 1n }), /cannot be read as JSON/);
  assert.throws(() => amlguard.ingest(undefined), /input is missing/);
  assert.throws(() => amlguard.ingest('['.repeat(1e6)), Error);
  assert.throws(() => amlguard.ingest(DESIGN, { nope: true }), /invalid options/);
  assert.equal(amlguard.ingest(DESIGN).resources.length, 2);
});

const PUBLIC_WS = [
  { type: 'Microsoft.MachineLearningServices/workspaces', name: 'ws', location: 'westeurope', properties: { publicNetworkAccess: 'Enabled' } },
];

test('check returns a report of plain objects; domain failures are values', () => {
  const report = amlguard.check(PUBLIC_WS);
  const f = report.findings.find((x) => x.rule_id === 'AML-NET-001');
  assert.ok(f, 'a public workspace fails AML-NET-001');
  assert.equal(f.status, 'fail');
  assert.equal(f.resource.name, 'ws');
  assert.equal(typeof f.remediation, 'string');
  assert.equal(report.summary.resources, 1);
  assert.equal(Object.getPrototypeOf(report.summary.by_severity), Object.prototype);
  // options: only one rule; skip it
  assert.deepEqual([...new Set(amlguard.check(PUBLIC_WS, { rules: ['AML-NET-001'] }).findings.map((x) => x.rule_id))], ['AML-NET-001']);
  assert.ok(!amlguard.check(PUBLIC_WS, { skip: ['AML-NET-001'] }).findings.some((x) => x.rule_id === 'AML-NET-001'));
  const suppressed = amlguard.check(PUBLIC_WS, { suppressions: [{ id: 'AML-NET-001', justification: 'lab workspace' }] });
  assert.equal(suppressed.findings.find((x) => x.rule_id === 'AML-NET-001')?.suppressed?.justification, 'lab workspace');
  // a fixed design no longer fails that rule
  const fixed = structuredClone(PUBLIC_WS); fixed[0].properties.publicNetworkAccess = 'Disabled';
  assert.ok(!amlguard.check(fixed).findings.some((x) => x.rule_id === 'AML-NET-001' && x.status === 'fail'));
});

test('check reads an ARM template with parameters; unknowns are indeterminate, not guesses', () => {
  const template = {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    parameters: { access: { type: 'string' } },
    resources: [{ type: 'Microsoft.MachineLearningServices/workspaces', apiVersion: '2024-10-01', name: 'ws', location: 'westeurope',
      properties: { publicNetworkAccess: "[parameters('access')]" } }],
  };
  const net001 = (r) => r.findings.find((x) => x.rule_id === 'AML-NET-001');
  assert.equal(net001(amlguard.check(template))?.status, 'indeterminate');
  assert.equal(net001(amlguard.check(template, { templateParameters: { access: 'Enabled' } }))?.status, 'fail');
  assert.equal(net001(amlguard.check(template, { templateParameters: { parameters: { access: { value: 'Disabled' } } } })), undefined);
  const text = JSON.stringify(template, null, 2);
  assert.ok(net001(amlguard.check(text, { file: 'azuredeploy.json' })).location.line > 1);
});

test('sarif is a SARIF 2.1.0 log object with one result per finding', () => {
  const log = amlguard.sarif(PUBLIC_WS);
  assert.equal(log.version, '2.1.0');
  assert.equal(log.runs[0].results.length, amlguard.check(PUBLIC_WS).findings.length);
});

test('rules and explain', () => {
  const all = amlguard.rules();
  assert.ok(all.length >= 50);
  assert.equal(new Set(all.map((r) => r.id)).size, all.length);
  const r = amlguard.explain('aml-net-001');
  assert.equal(r.id, 'AML-NET-001');
  assert.ok(r.policyRule.if);
  assert.equal(amlguard.explain('AML-NOPE-999'), undefined);
});

test('evaluatePolicy: any Azure Policy definition, offline', () => {
  const def = { properties: { mode: 'Indexed', parameters: { effect: { type: 'String', defaultValue: 'Audit' } },
    policyRule: { if: { allOf: [{ field: 'type', equals: 'Microsoft.Storage/storageAccounts' },
      { field: 'Microsoft.Storage/storageAccounts/allowBlobPublicAccess', equals: true }] }, then: { effect: "[parameters('effect')]" } } } };
  const res = { type: 'Microsoft.Storage/storageAccounts', name: 's', properties: { allowBlobPublicAccess: true } };
  const ev = amlguard.evaluatePolicy(def, res);
  assert.equal(ev.outcome, 'match');
  assert.equal(ev.effect, 'audit');
  assert.equal(amlguard.evaluatePolicy(def, res, { effect: 'Deny' }).effect, 'deny');
  res.properties.allowBlobPublicAccess = false;
  assert.equal(amlguard.evaluatePolicy(def, res).outcome, 'nomatch');
  assert.throws(() => amlguard.evaluatePolicy({ if: { field: 'type', frobnicates: 1 }, then: { effect: 'audit' } }, res), Error);
  assert.equal(amlguard.evaluatePolicy(def, res).outcome, 'nomatch', 'still usable');
});

test('non-ASCII case: full Unicode mappings and the final sigma, as the native build', () => {
  // The browser build converts case with its own tables (core/src/case.rs);
  // these are the standard library's results (Python's str.lower/upper agree).
  const template = { $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    resources: [{ type: 'Microsoft.Storage/storageAccounts', apiVersion: '2023-01-01', name: 'st', location: 'westeurope',
      properties: { lower: "[toLower('ΌΣΟΣ-İ ΑΣ.')]", upper: "[toUpper('straße ﬁ ǆ ᾳ')]",
        starts: "[startsWith('ΣΟΦΊΑ', 'σοφ')]", ascii: "[toUpper('Mixed-Case_1')]" } }] };
  const props = amlguard.ingest(template).resources[0].value.properties;
  assert.equal(props.lower, 'όσος-i\u0307 ας.');
  assert.equal(props.upper, 'STRASSE FI Ǆ ΑΙ');
  assert.equal(props.starts, true);
  assert.equal(props.ascii, 'MIXED-CASE_1');
  // Policy comparisons ignore case with full folding: `Straße` equals `STRASSE`.
  const def = { if: { allOf: [{ field: 'name', equals: 'STRASSE' }, { field: 'location', like: 'ΣΟΦ*' }] },
    then: { effect: 'audit' } };
  const res = { type: 'Microsoft.Storage/storageAccounts', name: 'Straße', location: 'σοφία' };
  assert.equal(amlguard.evaluatePolicy(def, res).outcome, 'match');
  assert.equal(amlguard.evaluatePolicy(def, { ...res, name: 'Strase' }).outcome, 'nomatch');
});

test('exportPolicies returns definitions, initiative and template as plain documents', () => {
  const ex = amlguard.exportPolicies();
  assert.ok(ex.definitions.length > 10);
  for (const d of ex.definitions) assert.ok(d.document.properties.policyRule.then, d.rule_id);
  assert.ok(ex.initiative.document.properties.policyDefinitions.length === ex.definitions.length);
  assert.ok(ex.not_exported.every((n) => n.reason));
  const deny = amlguard.exportPolicies({ effect: 'deny', rules: ['AML-NET-001'], initiative: false });
  assert.deepEqual(deny.definitions.map((d) => d.rule_id), ['AML-NET-001']);
  assert.equal(deny.initiative, null);
  assert.throws(() => amlguard.exportPolicies({ effect: 'nuke' }), /invalid options/);
});

test('garbage never kills the module', () => {
  for (const bad of ['', 'null', '{}', '[1,2]', '{"resources": 5}', '\u0000', '{"a":' + '['.repeat(300), '"\\ud800"']) {
    assert.throws(() => amlguard.check(bad), Error, JSON.stringify(bad).slice(0, 40));
  }
  assert.ok(amlguard.check(PUBLIC_WS).findings.length > 0);
});
