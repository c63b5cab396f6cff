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
