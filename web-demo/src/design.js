// Pure functions over a design: a list of ARM-shaped resources (plain
// objects with `type`, `name`, `id`, `properties`, …). No DOM here, so the
// Node tests can exercise them directly.
import { FIXES, WORKSPACE_TYPE } from './catalog.js';

export const SCOPE = '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amlguard-rg';

/** Resource id of `type`/`name` in the placeholder scope (child names interleave). */
export function resourceId(type, name) {
  const [ns, ...types] = String(type).split('/');
  const names = String(name).split('/');
  return `${SCOPE}/providers/${ns}` + types.map((t, i) => `/${t}/${names[i] ?? ''}`).join('');
}

export const lower = (s) => String(s ?? '').toLowerCase();
export const typeOf = (r) => lower(r?.type);
// Resources whose id is not known before deployment (a name from a parameter
// without a value) get a stable key of their own for the page.
const KEYS = new WeakMap();
let nextKey = 0;
export const idOf = (r) => {
  if (typeof r?.id === 'string' && r.id) return lower(r.id).replace(/\/+$/, '');
  if (!r || typeof r !== 'object') return '';
  if (!KEYS.has(r)) KEYS.set(r, `#unknown-${nextKey++}`);
  return KEYS.get(r);
};
export const isUnknown = (v) => !!v && typeof v === 'object' && typeof v.$unknown === 'string';
export const shortName = (r) => (isUnknown(r?.name) ? '(name unknown)' : String(r?.name ?? '').split('/').pop());

function segments(path) {
  const out = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) { out.push(part); continue; }
    out.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** Value at a dotted path (`a.b[0].c`), ignoring key case like ARM does. */
export function getPath(obj, path) {
  let cur = obj;
  for (const seg of segments(path)) {
    if (cur == null || typeof cur !== 'object') return undefined;
    if (typeof seg === 'number') { cur = Array.isArray(cur) ? cur[seg] : undefined; continue; }
    if (Object.prototype.hasOwnProperty.call(cur, seg)) { cur = cur[seg]; continue; }
    const key = Object.keys(cur).find((k) => k.toLowerCase() === seg.toLowerCase());
    cur = key === undefined ? undefined : cur[key];
  }
  return cur;
}

/** Set (or with `undefined`, delete) the value at a dotted path, creating objects and arrays on the way. */
export function setPath(obj, path, value) {
  const segs = segments(path);
  let cur = obj;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i];
    const last = i === segs.length - 1;
    let key = seg;
    if (typeof seg === 'string') key = Object.keys(cur).find((k) => k.toLowerCase() === seg.toLowerCase()) ?? seg;
    if (last) {
      if (value === undefined) {
        if (Array.isArray(cur) && typeof key === 'number') cur.splice(key, 1); else delete cur[key];
      } else cur[key] = value;
      return obj;
    }
    if (cur[key] == null || typeof cur[key] !== 'object') {
      if (value === undefined) return obj;
      cur[key] = typeof segs[i + 1] === 'number' ? [] : {};
    }
    cur = cur[key];
  }
  return obj;
}

const SUBNET_RE = /\/virtualnetworks\/([^/]+)\/subnets\/([^/"'\]\s]+)/i;

/** Every subnet of the design: child subnet resources and subnets declared inline in a VNet. */
export function subnets(resources) {
  const out = [];
  const seen = new Set();
  for (const r of resources) {
    if (typeOf(r) === 'microsoft.network/virtualnetworks/subnets') {
      const [vnet, name] = String(r.name).split('/');
      const id = idOf(r);
      seen.add(id);
      out.push({ id, vnet: lower(vnet), name, prefix: getPath(r, 'properties.addressPrefix'), resource: r, inline: false });
    }
  }
  for (const r of resources) {
    if (typeOf(r) !== 'microsoft.network/virtualnetworks') continue;
    const inline = getPath(r, 'properties.subnets');
    if (!Array.isArray(inline)) continue;
    for (const s of inline) {
      const name = s?.name;
      if (typeof name !== 'string') continue;
      const id = `${idOf(r)}/subnets/${lower(name)}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ id, vnet: lower(shortName(r)), name, prefix: getPath(s, 'properties.addressPrefix'), resource: r, inline: true });
    }
  }
  return out;
}

/** The subnet a resource is placed in (its first subnet reference), as a lower-case id. */
export function subnetOf(resource) {
  const t = typeOf(resource);
  if (t === 'microsoft.network/virtualnetworks' || t === 'microsoft.network/virtualnetworks/subnets') return null;
  const copy = { ...resource, id: undefined };
  const m = SUBNET_RE.exec(JSON.stringify(copy));
  if (!m) return null;
  const at = m.index;
  const text = JSON.stringify(copy);
  const start = text.lastIndexOf('"', at) + 1;
  const full = text.slice(start, at + m[0].length);
  return lower(full).replace(/\/+$/, '');
}

export function findById(resources, id) {
  const want = lower(id).replace(/\/+$/, '');
  return resources.find((r) => idOf(r) === want);
}

function uniqueName(resources, type, base) {
  const names = new Set(resources.filter((r) => typeOf(r) === lower(type)).map((r) => lower(r.name)));
  if (!names.has(lower(base))) return base;
  for (let i = 2; ; i++) if (!names.has(lower(`${base}-${i}`))) return `${base}-${i}`;
}

/** Add a resource (name made unique, id filled). Returns the new resource. */
export function addResource(resources, type, name, body, location = 'westeurope') {
  const finalName = uniqueName(resources, type, name);
  const r = { type, apiVersion: undefined, name: finalName, location, ...body };
  if (r.apiVersion === undefined) delete r.apiVersion;
  r.id = resourceId(type, finalName);
  resources.push(r);
  return r;
}

/** Whether "Fix" can do something for this rule on this resource. */
export function fixFor(ruleId, resource) {
  const fix = FIXES[ruleId];
  if (!fix || !resource) return null;
  if (fix.byComputeType) {
    const ct = getPath(resource, 'properties.computeType');
    return fix.byComputeType[ct] ? fix : null;
  }
  if (fix.byType) return fix.byType[typeOf(resource)] ? fix : null;
  return fix;
}

function workspaceFor(resources, resource) {
  if (typeOf(resource) === WORKSPACE_TYPE) return resource;
  const ws = resources.filter((r) => typeOf(r) === WORKSPACE_TYPE);
  return ws.find((w) => JSON.stringify(w).toLowerCase().includes(idOf(resource))) ?? ws[0];
}

/** Where new private endpoints go: the subnet of the workspace's endpoint, else the first subnet, else a new VNet. */
function endpointSubnet(resources) {
  const pe = resources.find((r) => typeOf(r) === 'microsoft.network/privateendpoints' && subnetOf(r));
  if (pe) return subnetOf(pe);
  const first = subnets(resources).find((s) => !/^azure(firewall|bastion)subnet$/i.test(s.name) && s.name.toLowerCase() !== 'gatewaysubnet');
  if (first) return first.id;
  const vnet = addResource(resources, 'Microsoft.Network/virtualNetworks', 'vnet-aml', { properties: { addressSpace: { addressPrefixes: ['10.0.0.0/16'] } } });
  const sn = addResource(resources, 'Microsoft.Network/virtualNetworks/subnets', `${vnet.name}/snet-training`, { properties: { addressPrefix: '10.0.1.0/24' } });
  delete sn.location;
  return idOf(sn);
}

function targetOf(resources, resource, via) {
  if (!via) return resource;
  if (typeOf(resource) !== WORKSPACE_TYPE) return resource;
  const id = getPath(resource, via);
  return (typeof id === 'string' && findById(resources, id)) || null;
}

function realId(resources, lowerId) {
  const r = resources.find((x) => idOf(x) === lowerId);
  if (r) return r.id;
  for (const v of resources.filter((x) => typeOf(x) === 'microsoft.network/virtualnetworks')) {
    for (const s of getPath(v, 'properties.subnets') ?? []) {
      const id = `${v.id}/subnets/${s.name}`;
      if (lower(id) === lowerId) return id;
    }
  }
  return lowerId;
}

/**
 * Apply the remediation of `ruleId` to `resource` inside `resources`
 * (mutates). Returns a list of what changed, empty when nothing applied.
 */
export function applyFix(resources, ruleId, resource) {
  const fix = fixFor(ruleId, resource);
  if (!fix) return [];
  const changes = [];
  const sets = fix.set ?? fix.byComputeType?.[getPath(resource, 'properties.computeType')] ?? fix.byType?.[typeOf(resource)] ?? {};
  const setTarget = targetOf(resources, resource, fix.via);
  if (setTarget) {
    for (const [path, value] of Object.entries(sets)) {
      if (getPath(setTarget, path) !== value) { setPath(setTarget, path, value); changes.push(`${shortName(setTarget)}: ${path} = ${JSON.stringify(value)}`); }
    }
  }
  for (const ep of fix.endpoints ?? []) {
    const ws = workspaceFor(resources, resource);
    const target = ep.via ? targetOf(resources, ws ?? resource, ep.via) : (typeOf(resource) === WORKSPACE_TYPE ? resource : ws);
    if (!target) continue;
    const exists = resources.some((r) => typeOf(r) === 'microsoft.network/privateendpoints' &&
      (getPath(r, 'properties.privateLinkServiceConnections') ?? []).some((c) =>
        lower(getPath(c, 'properties.privateLinkServiceId')) === idOf(target) &&
        (getPath(c, 'properties.groupIds') ?? []).some((g) => lower(g) === ep.group)));
    if (exists) continue;
    const subnet = realId(resources, endpointSubnet(resources));
    const name = `pe-${shortName(target)}-${ep.group}`.slice(0, 64);
    addResource(resources, 'Microsoft.Network/privateEndpoints', name, { location: target.location ?? 'westeurope', properties: {
      subnet: { id: subnet },
      privateLinkServiceConnections: [{ name, properties: { privateLinkServiceId: target.id, groupIds: [ep.group] } }] } });
    changes.push(`added private endpoint ${name}`);
  }
  if (fix.dnsZones) {
    const sn = endpointSubnet(resources);
    const vnetId = realId(resources, sn.replace(/\/subnets\/[^/]+$/, ''));
    for (const zone of fix.dnsZones) {
      if (!resources.some((r) => typeOf(r) === 'microsoft.network/privatednszones' && lower(r.name) === zone)) {
        addResource(resources, 'Microsoft.Network/privateDnsZones', zone, { location: 'global' });
        changes.push(`added private DNS zone ${zone}`);
      }
      const linked = resources.some((r) => typeOf(r) === 'microsoft.network/privatednszones/virtualnetworklinks' &&
        lower(r.name).startsWith(`${zone}/`) && lower(getPath(r, 'properties.virtualNetwork.id')) === lower(vnetId));
      if (!linked) {
        addResource(resources, 'Microsoft.Network/privateDnsZones/virtualNetworkLinks', `${zone}/link-${shortName({ name: vnetId })}`,
          { location: 'global', properties: { registrationEnabled: false, virtualNetwork: { id: vnetId } } });
        changes.push(`linked ${zone} to the VNet`);
      }
    }
  }
  return changes;
}

/** Remove a resource (and inline references stay as they are: the checker will say what broke). */
export function removeResource(resources, id) {
  const i = resources.findIndex((r) => idOf(r) === lower(id));
  if (i >= 0) resources.splice(i, 1);
}

/**
 * The design as a deployable ARM template: ids dropped from the resources,
 * references to other resources of the design written as `resourceId()`.
 */
export function toArmTemplate(resources, description) {
  const byId = new Map(resources.map((r) => [idOf(r), r]));
  const expr = (s) => {
    const r = byId.get(lower(s).replace(/\/+$/, ''));
    if (!r) return s;
    const names = String(r.name).split('/').map((n) => `'${n.replace(/'/g, "''")}'`).join(', ');
    return `[resourceId('${r.type}', ${names})]`;
  };
  const walk = (v) => {
    if (typeof v === 'string') return expr(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      if (Object.keys(v).length === 1 && typeof v.$unknown === 'string') return v;
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  const out = resources.map((r) => {
    const { id, ...rest } = r;
    const body = walk(rest);
    body.type = r.type; body.name = r.name;
    if (!body.apiVersion) body.apiVersion = DEFAULT_API_VERSIONS[typeOf(r)] ?? '2023-01-01';
    return body;
  });
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    metadata: { generator: 'amlguard web demo', description: description ?? '' },
    resources: out,
  };
}

const DEFAULT_API_VERSIONS = {
  'microsoft.machinelearningservices/workspaces': '2024-10-01',
  'microsoft.machinelearningservices/workspaces/computes': '2024-10-01',
  'microsoft.storage/storageaccounts': '2023-05-01',
  'microsoft.keyvault/vaults': '2023-07-01',
  'microsoft.containerregistry/registries': '2023-07-01',
  'microsoft.insights/components': '2020-02-02',
  'microsoft.operationalinsights/workspaces': '2023-09-01',
  'microsoft.network/privatednszones': '2020-06-01',
  'microsoft.network/privatednszones/virtualnetworklinks': '2020-06-01',
  'microsoft.containerservice/managedclusters': '2024-05-01',
};
