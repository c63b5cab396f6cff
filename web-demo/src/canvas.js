// The architecture canvas: a deterministic layout of the design as SVG.
// VNets are containers with their subnets; resources attached to a subnet
// sit inside it; the workspace and its dependencies form a column on the
// right with the private DNS zones below them; everything
// else is listed under "Supporting resources". Edges: private endpoint →
// target, DNS zone → linked VNet, workspace → dependency.
import { typeInfo } from './catalog.js';
import { getPath, idOf, lower, shortName, subnetOf, subnets, typeOf } from './design.js';

const TW = 150, TH = 44, G = 10, P = 14, HEAD = 30;
const SVGNS = 'http://www.w3.org/2000/svg';

const SEV_ORDER = ['critical', 'high', 'medium', 'low', 'info'];
const SEV_COLOR = { critical: '#750b1c', high: '#a4262c', medium: '#ca5010', low: '#0078d4', info: '#605e5c' };

const DEPENDENCY_TYPES = ['microsoft.storage/storageaccounts', 'microsoft.keyvault/vaults', 'microsoft.containerregistry/registries',
  'microsoft.insights/components', 'microsoft.operationalinsights/workspaces'];
const EDGE_ONLY = new Set(['microsoft.network/privatednszones/virtualnetworklinks']);

function el(name, attrs = {}, parent) {
  const e = document.createElementNS(SVGNS, name);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  if (parent) parent.appendChild(e);
  return e;
}

function truncate(s, n) { s = String(s); return s.length > n ? s.slice(0, n - 1) + '…' : s; }

function grid(items, cols, x0, y0) {
  return items.map((item, i) => ({ item, x: x0 + (i % cols) * (TW + G), y: y0 + Math.floor(i / cols) * (TH + G) }));
}
const rowsHeight = (n, cols) => (n === 0 ? TH * 0.6 : Math.ceil(n / cols) * (TH + G) - G);

/**
 * Lay out `resources` (with `relations` from ingest) and return
 * { width, height, nodes: Map(id → {x,y,w,h,resource}), boxes: [...], edges: [...] }.
 */
export function layout(resources, relations) {
  const nodes = new Map();
  const boxes = [];
  const placed = new Set();
  const allSubnets = subnets(resources);
  const vnets = resources.filter((r) => typeOf(r) === 'microsoft.network/virtualnetworks');
  const subnetMembers = new Map(allSubnets.map((s) => [s.id, []]));
  for (const r of resources) {
    const sn = subnetOf(r);
    // A workspace names subnets (serverless compute) but does not live in one.
    if (sn && subnetMembers.has(sn) && !EDGE_ONLY.has(typeOf(r)) && typeOf(r) !== 'microsoft.machinelearningservices/workspaces') {
      subnetMembers.get(sn).push(r); placed.add(r);
    }
  }
  for (const s of allSubnets) if (!s.inline) placed.add(s.resource);
  for (const v of vnets) placed.add(v);

  const COLS = 3;
  const innerW = COLS * TW + (COLS - 1) * G;
  const vnetW = innerW + 4 * P;
  let y = 16;
  const x0 = 16;
  const vnetBoxes = new Map();
  // VNets referenced by subnets but not declared still get a box.
  const vnetNames = new Map(vnets.map((v) => [lower(shortName(v)), v]));
  for (const s of allSubnets) if (!vnetNames.has(s.vnet)) vnetNames.set(s.vnet, null);
  for (const [vname, v] of vnetNames) {
    const mySubnets = allSubnets.filter((s) => s.vnet === vname);
    const top = y;
    let sy = y + HEAD + 6;
    const subBoxes = [];
    for (const s of mySubnets) {
      const members = subnetMembers.get(s.id) ?? [];
      const h = HEAD + rowsHeight(members.length, COLS) + P;
      subBoxes.push({ kind: 'subnet', x: x0 + P, y: sy, w: innerW + 2 * P, h, subnet: s, resource: s.inline ? v : s.resource });
      for (const g of grid(members, COLS, x0 + 2 * P, sy + HEAD)) nodes.set(idOf(g.item), { ...g, w: TW, h: TH, resource: g.item });
      sy += h + G;
    }
    if (mySubnets.length === 0) sy += TH;
    const h = sy - top + 4;
    const box = { kind: 'vnet', x: x0, y: top, w: vnetW, h, resource: v, name: v ? shortName(v) : vname,
      prefix: v ? getPath(v, 'properties.addressSpace.addressPrefixes[0]') : '' };
    boxes.push(box, ...subBoxes);
    vnetBoxes.set(vname, box);
    y = top + h + 24;
  }

  const leftBottom = y;

  // Right column: workspaces, their dependencies, compute outside any VNet.
  const zones = resources.filter((r) => typeOf(r) === 'microsoft.network/privatednszones');
  const rx = vnetNames.size ? x0 + vnetW + 64 : x0;
  const RC = 2;
  const rw = RC * TW + (RC - 1) * G + 2 * P;
  let ry = 16;
  const column = (title, items) => {
    if (!items.length) return;
    const h = HEAD + rowsHeight(items.length, RC) + P;
    boxes.push({ kind: 'group', x: rx, y: ry, w: rw, h, name: title });
    for (const g of grid(items, RC, rx + P, ry + HEAD)) { nodes.set(idOf(g.item), { ...g, w: TW, h: TH, resource: g.item }); placed.add(g.item); }
    ry += h + 20;
  };
  const free = (pred) => resources.filter((r) => !placed.has(r) && !EDGE_ONLY.has(typeOf(r)) && pred(typeOf(r), r));
  column('Machine Learning', free((t) => t === 'microsoft.machinelearningservices/workspaces'));
  column('Workspace dependencies', free((t) => DEPENDENCY_TYPES.includes(t)));
  column('Compute and endpoints (no VNet)', free((t) => t.startsWith('microsoft.machinelearningservices/workspaces/') ||
    t === 'microsoft.containerservice/managedclusters' || t === 'microsoft.containerinstance/containergroups'));
  column('Private DNS zones', zones.filter((z) => !placed.has(z)));
  const rightBottom = ry;

  // Everything else.
  y = Math.max(leftBottom, rightBottom);
  const rest = free(() => true);
  const totalW = Math.max(rx + rw, x0 + vnetW) - x0;
  const SC = Math.max(1, Math.floor((totalW - 2 * P + G) / (TW + G)));
  if (rest.length) {
    const h = HEAD + rowsHeight(rest.length, SC) + P;
    boxes.push({ kind: 'group', x: x0, y, w: totalW, h, name: 'Supporting resources' });
    for (const g of grid(rest, SC, x0 + P, y + HEAD)) nodes.set(idOf(g.item), { ...g, w: TW, h: TH, resource: g.item });
    y += h + 16;
  }

  // Edges from the relations ingest derived.
  const edges = [];
  const idx = (i) => resources[i];
  for (const rel of relations ?? []) {
    const from = idx(rel.from), to = idx(rel.to);
    if (!from || !to) continue;
    const path = lower(rel.path);
    const ft = typeOf(from);
    if (ft === 'microsoft.network/privateendpoints' && path.includes('privatelinkserviceid')) {
      edges.push({ kind: 'pe', from: idOf(from), to: idOf(to) });
    } else if (ft === 'microsoft.network/privatednszones/virtualnetworklinks' && path === 'properties.virtualnetwork.id') {
      const zone = resources.find((r) => typeOf(r) === 'microsoft.network/privatednszones' && lower(r.name) === lower(String(from.name).split('/')[0]));
      const box = vnetBoxes.get(lower(shortName(to)));
      if (zone && box) edges.push({ kind: 'link', from: idOf(zone), toBox: box, via: idOf(from) });
    } else if ((ft === 'microsoft.machinelearningservices/workspaces' && /^properties\.(storageaccount|keyvault|containerregistry|applicationinsights)$/.test(path)) ||
               (ft === 'microsoft.machinelearningservices/workspaces/computes' && path === 'properties.resourceid')) {
      edges.push({ kind: 'dep', from: idOf(from), to: idOf(to) });
    }
  }
  const width = Math.max(rx + rw, x0 + vnetW, x0 + totalW) + 16;
  return { width, height: Math.max(y, ry, 120) + 8, nodes, boxes, edges };
}

function edgePath(a, b) {
  const dxGap = Math.max(b.x - (a.x + a.w), a.x - (b.x + b.w), 0);
  const dyGap = Math.max(b.y - (a.y + a.h), a.y - (b.y + b.h), 0);
  if (dyGap > dxGap) {
    const down = b.y > a.y;
    const x1 = a.x + a.w / 2, x2 = b.x + b.w / 2;
    const y1 = down ? a.y + a.h : a.y, y2 = down ? b.y : b.y + b.h;
    const dy = (y2 - y1) / 2;
    return `M${x1},${y1} C${x1},${y1 + dy} ${x2},${y2 - dy} ${x2},${y2}`;
  }
  const right = b.x + b.w / 2 > a.x + a.w / 2;
  const x1 = right ? a.x + a.w : a.x, x2 = right ? b.x : b.x + b.w;
  const y1 = a.y + a.h / 2, y2 = b.y + b.h / 2, dx = (x2 - x1) / 2;
  return `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`;
}

/**
 * Render into `container`. `findingsById`: Map(id → findings[]);
 * `selected`/`highlight`: lower-case ids; `onSelect(id)` is called on click/Enter.
 */
export function render(container, lay, { findingsById, selected, highlight, onSelect, filter, fit }) {
  container.textContent = '';
  const svg = el('svg', { width: lay.width, height: lay.height, viewBox: `0 0 ${lay.width} ${lay.height}`, role: 'group', 'aria-label': 'Architecture diagram' }, container);
  if (fit) { svg.setAttribute('width', '100%'); svg.setAttribute('height', '100%'); svg.setAttribute('preserveAspectRatio', 'xMidYMin meet'); }
  el('defs', {}, svg).innerHTML =
    '<marker id="arrow-pe" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#8661c5"/></marker>' +
    '<marker id="arrow-dep" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#a19f9d"/></marker>' +
    '<filter id="shadow" x="-10%" y="-10%" width="120%" height="140%"><feDropShadow dx="0" dy="1" stdDeviation="1.2" flood-opacity=".14"/></filter>';

  for (const b of lay.boxes) {
    const g = el('g', { class: `box-${b.kind}` }, svg);
    if (b.kind === 'vnet' || b.kind === 'subnet') {
      const rid = b.resource ? idOf(b.resource) : '';
      const sid = b.kind === 'subnet' ? b.subnet.id : rid;
      g.setAttribute('data-resource-id', sid);
      const isSel = selected && (selected === sid || (b.kind === 'vnet' && selected === rid));
      el('rect', { x: b.x, y: b.y, width: b.w, height: b.h, rx: 6, class: `${b.kind}-box${isSel ? ' selected' : ''}` }, g);
      if (b.resource) {
        g.classList.add('node');
        g.setAttribute('tabindex', '0');
        g.setAttribute('role', 'button');
        const label = b.kind === 'vnet' ? `Virtual network ${b.name}` : `Subnet ${b.subnet.name}`;
        g.setAttribute('aria-label', label);
        g.addEventListener('click', (e) => { if (e.target === g.firstChild || e.target.closest('text')) onSelect(b.kind === 'subnet' && !b.subnet.inline ? sid : rid); });
        g.addEventListener('keydown', (e) => { if ((e.key === 'Enter' || e.key === ' ') && e.target === g) { e.preventDefault(); onSelect(b.kind === 'subnet' && !b.subnet.inline ? sid : rid); } });
      }
      if (b.kind === 'vnet') {
        el('rect', { x: b.x + 10, y: b.y + 8, width: 16, height: 16, rx: 3, fill: '#0078d4' }, g);
        el('text', { x: b.x + 18, y: b.y + 20, 'text-anchor': 'middle', class: 'tag', fill: '#fff' }, g).textContent = '‹›';
        el('text', { x: b.x + 32, y: b.y + 21, class: 'group-title' }, g).textContent = `${b.name}`;
        el('text', { x: b.x + b.w - 12, y: b.y + 21, 'text-anchor': 'end', class: 'group-sub' }, g).textContent = `Virtual network ${b.prefix ?? ''}`;
      } else {
        const s = b.subnet;
        el('text', { x: b.x + 12, y: b.y + 19, class: 'group-title' }, g).textContent = s.name;
        let tx = b.x + b.w - 10;
        const tags = [];
        const sr = s.inline ? s.resource && (getPath(s.resource, 'properties.subnets') ?? []).find((x) => x?.name === s.name) : s.resource;
        if (getPath(sr, 'properties.networkSecurityGroup.id')) tags.push(['NSG', '#605e5c']);
        if (getPath(sr, 'properties.routeTable.id')) tags.push(['UDR', '#605e5c']);
        if (s.prefix) tags.push([String(s.prefix), '#0078d4']);
        for (const [t, c] of tags) {
          const w = t.length * 6.6 + 12; tx -= w;
          el('rect', { x: tx, y: b.y + 7, width: w, height: 16, rx: 8, fill: '#fff', stroke: c }, g);
          el('text', { x: tx + w / 2, y: b.y + 19, 'text-anchor': 'middle', class: 'tag', fill: c }, g).textContent = t;
          tx -= 6;
        }
        if (findingsById) addBadge(g, findingsById.get(sid), b.x + b.w - 4, b.y - 4);
      }
      if (b.kind === 'vnet' && findingsById) addBadge(g, findingsById.get(rid), b.x + b.w - 4, b.y - 4);
    } else {
      el('rect', { x: b.x, y: b.y, width: b.w, height: b.h, rx: 6, class: 'group-box' }, g);
      el('text', { x: b.x + 12, y: b.y + 20, class: 'group-title' }, g).textContent = b.name;
    }
  }

  const edgeLayer = el('g', { class: 'edges' }, svg);
  for (const e of lay.edges) {
    const a = lay.nodes.get(e.from);
    const b = e.toBox ?? lay.nodes.get(e.to);
    if (!a || !b) continue;
    let d;
    if (e.kind === 'link') {
      const y1 = a.y + a.h / 2;
      const y2 = Math.max(b.y + 16, Math.min(b.y + b.h - 16, y1));
      const x1 = a.x, x2 = b.x + b.w;
      d = `M${x1},${y1} C${x1 - 24},${y1} ${x2 + 24},${y2} ${x2},${y2}`;
    } else d = edgePath(a, b);
    const hot = highlight && (highlight === e.from || highlight === e.to || highlight === e.via);
    el('path', { d, class: `edge ${e.kind}${hot ? ' hot' : ''}`, 'marker-end': e.kind === 'pe' ? 'url(#arrow-pe)' : e.kind === 'dep' ? 'url(#arrow-dep)' : null,
      'data-edge': e.kind, 'data-from': e.from, 'data-to': e.to ?? '' }, edgeLayer);
  }

  const q = lower(filter ?? '').trim();
  for (const [id, n] of lay.nodes) {
    const r = n.resource;
    const info = typeInfo(r.type);
    const cls = ['node'];
    if (selected === id) cls.push('selected');
    if (highlight === id) cls.push('highlight');
    const g = el('g', { class: cls.join(' '), transform: `translate(${n.x},${n.y})`, tabindex: 0, role: 'button',
      'data-resource-id': id, 'data-type': r.type, 'aria-label': `${info.label} ${shortName(r)}`, 'aria-pressed': selected === id ? 'true' : 'false' }, svg);
    if (q && !lower(r.name).includes(q) && !lower(info.label).includes(q)) g.setAttribute('opacity', '0.25');
    el('rect', { x: -4, y: -4, width: TW + 8, height: TH + 8, rx: 8, class: 'halo' }, g);
    el('rect', { width: TW, height: TH, rx: 4, class: 'box', filter: 'url(#shadow)' }, g);
    el('rect', { x: 8, y: 8, width: 28, height: 28, rx: 4, fill: info.color }, g);
    el('text', { x: 22, y: 26, 'text-anchor': 'middle', class: 'glyph' }, g).textContent = info.glyph;
    const shown = typeOf(r) === 'microsoft.network/privatednszones' ? shortName(r).replace(/^privatelink\./i, '') : shortName(r);
    el('text', { x: 44, y: 19, class: 'name' }, g).textContent = truncate(shown, 16);
    el('text', { x: 44, y: 34, class: 'kind' }, g).textContent = truncate(kindLabel(r, info), 19);
    el('title', {}, g).textContent = `${r.name}\n${r.type}`;
    if (findingsById) addBadge(g, findingsById.get(id), TW - 2, -6);
    g.addEventListener('click', () => onSelect(id));
    g.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onSelect(id); } });
  }
  return svg;
}

function kindLabel(r, info) {
  const t = typeOf(r);
  if (t === 'microsoft.machinelearningservices/workspaces/computes') {
    const ct = getPath(r, 'properties.computeType');
    return { ComputeInstance: 'Compute instance', AmlCompute: 'Compute cluster', AKS: 'AKS inference', Kubernetes: 'Kubernetes compute' }[ct] ?? info.label;
  }
  if (t === 'microsoft.network/privatednszones') return /^privatelink\./i.test(shortName(r)) ? 'privatelink DNS zone' : info.label;
  if (t === 'microsoft.network/privateendpoints') {
    const g = getPath(r, 'properties.privateLinkServiceConnections[0].properties.groupIds[0]');
    return g ? `endpoint → ${g}` : info.label;
  }
  return info.label;
}

function addBadge(parent, findings, x, y) {
  if (!findings || !findings.length) return;
  const worst = SEV_ORDER.find((s) => findings.some((f) => lower(f.severity) === s)) ?? 'info';
  const g = el('g', { class: 'badge', 'data-count': findings.length }, parent);
  el('circle', { cx: x, cy: y + 6, r: 9, fill: SEV_COLOR[worst], stroke: '#fff', 'stroke-width': 1.5 }, g);
  el('text', { x, y: y + 9.5, 'text-anchor': 'middle' }, g).textContent = String(findings.length);
}
