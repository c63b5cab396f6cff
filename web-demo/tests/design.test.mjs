// Unit tests of the page's pure design functions (no browser needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { applyFix, getPath, resourceId, setPath, subnetOf, subnets, toArmTemplate } from '../src/design.js';

const preset = (name) => JSON.parse(readFileSync(new URL(`../presets/${name}.json`, import.meta.url), 'utf8')).resources;

test('resource ids interleave child names like core does', () => {
  assert.equal(resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet/snet'),
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amlguard-rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet');
});

test('paths: case-insensitive get, set creates objects and arrays, undefined deletes', () => {
  const r = { Properties: { NetworkAcls: { defaultAction: 'Allow' } } };
  assert.equal(getPath(r, 'properties.networkAcls.DefaultAction'), 'Allow');
  setPath(r, 'properties.networkAcls.defaultAction', 'Deny');
  assert.equal(r.Properties.NetworkAcls.defaultAction, 'Deny');
  setPath(r, 'properties.pools[0].count', 3);
  assert.deepEqual(r.Properties.pools, [{ count: 3 }]);
  setPath(r, 'properties.networkAcls', undefined);
  assert.equal(getPath(r, 'properties.networkAcls'), undefined);
  setPath(r, 'sku.name', undefined);
  assert.equal(r.sku, undefined, 'deleting under a missing parent creates nothing');
});

test('subnets: child resources and inline subnets; members found by reference', () => {
  const secure = preset('secure-baseline');
  const names = subnets(secure).map((s) => s.name);
  assert.deepEqual(names, ['snet-training', 'snet-scoring', 'AzureFirewallSubnet', 'AzureBastionSubnet']);
  const pe = secure.find((r) => r.name === 'pe-mlw-secure');
  assert.match(subnetOf({ ...pe, id: resourceId(pe.type, pe.name) }), /\/subnets\/snet-training$/);
  const inline = [{ type: 'Microsoft.Network/virtualNetworks', name: 'v', id: resourceId('Microsoft.Network/virtualNetworks', 'v'),
    properties: { subnets: [{ name: 'a', properties: { addressPrefix: '10.0.0.0/24' } }] } }];
  assert.deepEqual(subnets(inline).map((s) => [s.name, s.inline, s.prefix]), [['a', true, '10.0.0.0/24']]);
});

function withIds(resources) {
  return resources.map((r) => ({ ...r, id: resourceId(r.type, r.name) }));
}

test('fixes: a property remediation and a structural one', () => {
  const design = withIds(preset('quickstart-public-workspace'));
  const ws = design.find((r) => r.type.endsWith('/workspaces'));
  assert.deepEqual(applyFix(design, 'AML-NET-001', ws), ['mlw-quickstart: properties.publicNetworkAccess = "Disabled"']);
  assert.equal(ws.properties.publicNetworkAccess, 'Disabled');
  assert.deepEqual(applyFix(design, 'AML-NET-001', ws), [], 'applying twice changes nothing');
  // no VNet yet: the fix creates one, then blob and file endpoints for the workspace's storage
  const changes = applyFix(design, 'AML-NET-004', ws);
  const pes = design.filter((r) => r.type === 'Microsoft.Network/privateEndpoints');
  assert.equal(pes.length, 2, changes.join('; '));
  assert.deepEqual(pes.map((p) => p.properties.privateLinkServiceConnections[0].properties.groupIds[0]), ['blob', 'file']);
  assert.ok(pes.every((p) => /\/subnets\/snet-training$/.test(p.properties.subnet.id)));
  assert.equal(applyFix(design, 'AML-NOPE-001', ws).length, 0);
});

test('ARM export: ids dropped, references become resourceId()', () => {
  const design = withIds(preset('quickstart-public-workspace'));
  const t = toArmTemplate(design, 'd');
  const ws = t.resources.find((r) => r.type.endsWith('/workspaces'));
  assert.equal(ws.properties.storageAccount, "[resourceId('Microsoft.Storage/storageAccounts', 'stmlquickstart01')]");
  assert.ok(t.resources.every((r) => !('id' in r) && r.apiVersion));
});
