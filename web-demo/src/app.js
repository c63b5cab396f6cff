// The design checker page: state, panes and commands. Checking is done by
// the amlguard wasm package (pkg/); this file only draws and edits.
import init, * as amlguard from './pkg/amlguard_wasm.js';
import { PALETTE, SETTINGS, typeInfo, WORKSPACE_TYPE } from './catalog.js';
import { addResource, applyFix, findById, fixFor, isUnknown, getPath, idOf, lower, removeResource, resourceId, setPath, shortName,
  subnets, toArmTemplate, typeOf } from './design.js';
import { layout, render as renderCanvas } from './canvas.js';

const $ = (id) => document.getElementById(id);
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];

const state = {
  name: 'design',
  description: '',
  file: undefined,
  resources: [],
  origin: new Map(),        // id → provenance in the file the design was opened from
  selected: null,           // lower-case resource id
  findingIndex: -1,         // selected finding
  expanded: false,          // details of the selected finding shown
  report: null,
  deployment: null,
  rules: new Map(),
  lastMs: null,
  timings: [],
  filter: '',
  fit: false,              // scale the diagram to the pane
};
// Exposed for tests and the browser console (read the state, re-render).
window.amlguardDemo = state;

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}

function banner(message, kind = 'error') {
  const b = $('banner');
  if (!message) { b.hidden = true; b.textContent = ''; return; }
  b.hidden = false; b.className = `banner ${kind === 'info' ? 'info' : ''}`; b.textContent = message;
}

// ---------------------------------------------------------------- checking

function checkNow() {
  const input = { resources: state.resources };
  const t0 = performance.now();
  let report = null;
  try {
    if (typeof amlguard.check === 'function') report = amlguard.check(input);
  } catch (e) {
    banner(`The checker could not read the design: ${e.message}`);
  }
  const t1 = performance.now();
  try {
    state.deployment = amlguard.ingest(input);
  } catch (e) {
    state.deployment = { resources: [], relations: [] };
  }
  state.lastMs = t1 - t0;
  state.timings.push(state.lastMs);
  state.report = report;
  if (state.findingIndex >= (report?.findings?.length ?? 0)) state.findingIndex = -1;
}

function recheck({ keepFinding } = {}) {
  const prev = keepFinding ? currentFinding() : null;
  checkNow();
  if (prev) {
    const i = findings().findIndex((f) => f.rule_id === prev.rule_id && findingKey(f) === findingKey(prev));
    state.findingIndex = i;
  }
  renderAll();
}

// Active findings, most severe first (the report itself is in file order).
const SORTED = new WeakMap();
const findings = () => {
  const r = state.report;
  if (!r) return [];
  if (!SORTED.has(r)) {
    const rank = (f) => { const i = SEVERITIES.indexOf(lower(f.severity)); return (f.status === 'fail' ? 0 : 10) + (i < 0 ? 9 : i); };
    SORTED.set(r, (r.findings ?? []).filter((f) => !f.suppressed).map((f, i) => [f, i])
      .sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]).map(([f]) => f));
  }
  return SORTED.get(r);
};
const currentFinding = () => findings()[state.findingIndex] ?? null;

/** The page's key of a finding's resource: by its position in the checked list, else by id. */
function findingKey(f) {
  const m = /^\/resources\/(\d+)$/.exec(f.location?.pointer ?? '');
  const r = m ? state.resources[Number(m[1])] : null;
  if (r && (!f.resource?.id || lower(r.id) === lower(f.resource.id))) return idOf(r);
  return lower(f.resource?.id);
}

function findingsById() {
  const m = new Map();
  for (const f of findings()) {
    const id = findingKey(f);
    if (!m.has(id)) m.set(id, []);
    m.get(id).push(f);
  }
  return m;
}

// ---------------------------------------------------------------- loading

function loadDesign(input, { name, description, file, templateParameters }) {
  let dep;
  try {
    dep = amlguard.ingest(input, { ...(file ? { file } : {}), ...(templateParameters ? { templateParameters } : {}) });
  } catch (e) {
    banner(`Cannot open ${file ?? name}: ${e.message}`);
    return false;
  }
  banner(null);
  state.resources = dep.resources.map((r) => r.value);
  state.origin = new Map(dep.resources.map((r) => [idOf(r.value), r.provenance]));
  state.name = name;
  state.description = description ?? '';
  state.file = file;
  state.selected = null;
  state.findingIndex = -1;
  state.timings = [];
  const errors = (dep.diagnostics ?? []).filter((d) => d.level === 'error');
  if (errors.length) banner(`${errors.length} part(s) of ${file ?? name} could not be read: ${errors.slice(0, 3).map((d) => d.message).join('; ')}`, 'info');
  recheck();
  return true;
}

async function loadPreset(entry) {
  const resp = await fetch(entry.file);
  if (!resp.ok) { banner(`Cannot load ${entry.file}: HTTP ${resp.status}`); return; }
  const text = await resp.text();
  let description = entry.description;
  try { description = JSON.parse(text)?.metadata?.description ?? description; } catch { /* the checker reports it */ }
  let templateParameters;
  if (entry.parameters) {
    const p = await fetch(entry.parameters);
    if (p.ok) templateParameters = await p.json();
  }
  loadDesign(text, { name: entry.title, description, file: entry.file.split('/').pop(), templateParameters });
  history.replaceState(null, '', `#${entry.kind}=${encodeURIComponent(entry.id)}`);
}

const isParametersFile = (doc) => !!doc && typeof doc === 'object' && !Array.isArray(doc) &&
  (/deploymentParameters/i.test(String(doc.$schema ?? '')) || (doc.parameters && !doc.resources && !doc.$schema));

/** Open a template (or resource list, or plan); a parameters file chosen with it supplies the template's parameters. */
async function openFiles(list) {
  const files = [...list];
  if (!files.length) return;
  const texts = await Promise.all(files.map((f) => f.text()));
  let params, paramsName;
  let main = 0;
  if (files.length > 1) {
    texts.forEach((t, i) => { try { if (isParametersFile(JSON.parse(t))) { params = JSON.parse(t); paramsName = files[i].name; } } catch { /* not JSON: the template reader reports it */ } });
    main = files.findIndex((f, i) => texts[i] !== undefined && f.name !== paramsName);
    if (main < 0) main = 0;
  }
  const file = files[main];
  const text = texts[main];
  const description = `Opened from ${file.name}${paramsName ? ` with ${paramsName}` : ''}`;
  if (loadDesign(text, { name: file.name.replace(/\.json$/i, ''), description, file: file.name, templateParameters: params })) {
    $('preset').value = '';
    history.replaceState(null, '', location.pathname);
  }
}

// ---------------------------------------------------------------- rendering

function renderAll() {
  renderHeader();
  renderSummary();
  renderCanvasPane();
  renderProperties();
  renderFindings();
}

function renderHeader() {
  $('design-title').textContent = state.name;
  $('crumb-design').textContent = state.name;
  $('design-sub').textContent = state.description || 'Azure Machine Learning architecture';
  $('design-sub').title = state.description || '';
  document.title = `${state.name} · amlguard design checker`;
  const n = state.resources.length;
  const st = $('status');
  st.textContent = '';
  if (state.lastMs !== null) {
    st.append(`${n} resources · re-checked in `, h('b', { 'data-testid': 'recheck-ms', text: `${state.lastMs.toFixed(1)} ms` }));
  }
}

function renderSummary() {
  const s = $('summary');
  s.textContent = '';
  if (!state.report) return;
  const counts = Object.fromEntries(SEVERITIES.map((x) => [x, 0]));
  let ind = 0;
  for (const f of findings()) { if (f.status === 'indeterminate') ind++; else counts[lower(f.severity)] = (counts[lower(f.severity)] ?? 0) + 1; }
  if (!findings().length) { s.append(h('span', { class: 'chip sev-ok' }, '✓ No findings')); return; }
  for (const sev of SEVERITIES) if (counts[sev]) s.append(h('span', { class: `chip sev-${sev}`, 'data-severity': sev }, h('span', { class: 'n' }, counts[sev]), sev));
  if (ind) s.append(h('span', { class: 'chip', style: 'background:#f3f2f1' }, h('span', { class: 'n' }, ind), 'need a value to decide'));
  const sup = (state.report.findings ?? []).length - findings().length;
  if (sup) s.append(h('span', { class: 'chip', style: 'background:#f3f2f1' }, h('span', { class: 'n' }, sup), 'suppressed'));
  const sm = state.report.summary;
  if (sm) s.append(h('span', { class: 'hint', style: 'margin-left:8px' }, `${sm.passed} of ${sm.checks} checks passed · ${sm.rules} rules`));
}

function renderCanvasPane() {
  const lay = layout(state.resources, state.deployment?.relations ?? []);
  const f = currentFinding();
  renderCanvas($('canvas-scroll'), lay, {
    findingsById: findingsById(),
    selected: state.selected,
    highlight: f ? findingKey(f) : null,
    filter: state.filter,
    fit: state.fit,
    onSelect: (id) => { state.selected = id; renderCanvasPane(); renderProperties(); focusCanvasNode(id); },
  });
}

function focusCanvasNode(id) {
  const node = $('canvas-scroll').querySelector(`[data-resource-id="${CSS.escape(id)}"]`);
  if (node && document.activeElement?.closest?.('#canvas-scroll')) node.focus({ preventScroll: true });
}

function scrollCanvasTo(id) {
  const node = $('canvas-scroll').querySelector(`.node[data-resource-id="${CSS.escape(id)}"]`);
  node?.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
}

function refOptions(kind) {
  if (kind === 'subnet') return subnets(state.resources).map((s) => ({ id: s.inline ? `${findById(state.resources, s.resource.id)?.id}/subnets/${s.name}` : s.resource.id, label: `${s.vnet} / ${s.name}` }));
  return state.resources.filter((r) => kind === 'any' ? true : typeOf(r) === kind).map((r) => ({ id: r.id, label: `${shortName(r)} (${typeInfo(r.type).label})` }));
}

function renderProperties() {
  const body = $('properties-body');
  const focusedPath = document.activeElement?.dataset?.path;
  body.textContent = '';
  const r = state.selected ? state.resources.find((x) => idOf(x) === state.selected) ?? null : null;
  if (!r) {
    body.append(h('p', { class: 'empty' }, 'Select a resource on the canvas or a finding to see the settings the rules look at.'));
    return;
  }
  const info = typeInfo(r.type);
  const flaggedRules = new Set(findings().filter((f) => findingKey(f) === idOf(r)).map((f) => f.rule_id));
  body.append(h('div', { class: 'prop-title' },
    h('span', { style: `display:inline-flex;width:28px;height:28px;border-radius:4px;background:${info.color};color:#fff;font-size:10px;font-weight:700;align-items:center;justify-content:center`, 'aria-hidden': 'true' }, info.glyph),
    h('div', {}, h('div', { class: 'name', 'data-testid': 'selected-name' }, isUnknown(r.name) ? `name unknown: ${r.name.$unknown}` : r.name), h('div', { class: 'prop-type' }, r.type))));
  const origin = state.origin.get(idOf(r));
  if (origin?.file) body.append(h('p', { class: 'prop-origin' }, `Declared in ${origin.file}${origin.line ? `, line ${origin.line}` : ''}`));
  const ct = getPath(r, 'properties.computeType');
  const fields = (SETTINGS[typeOf(r)] ?? []).filter((f) => !f.when || f.when === ct);
  if (fields.length) body.append(h('div', { class: 'prop-section' }, 'Security settings'));
  for (const f of fields) {
    const id = `prop-${f.path.replace(/[^a-z0-9]/gi, '-')}`;
    const value = getPath(r, f.path);
    const flagged = (f.rules ?? []).some((x) => flaggedRules.has(x));
    let input;
    const onChange = (v) => { setPath(r, f.path, v); recheck({ keepFinding: true }); };
    if (value && typeof value === 'object' && typeof value.$unknown === 'string') {
      input = h('input', { type: 'text', id, value: `unknown: ${value.$unknown}`, readonly: true, 'data-path': f.path });
    } else if (f.kind === 'bool') {
      input = h('select', { id, 'data-path': f.path, onchange: (e) => onChange(e.target.value === '' ? undefined : e.target.value === 'true') },
        h('option', { value: '', selected: value === undefined }, '(default)'),
        h('option', { value: 'true', selected: value === true }, 'true'),
        h('option', { value: 'false', selected: value === false }, 'false'));
    } else if (f.kind === 'enum') {
      const vals = [...f.values];
      if (typeof value === 'string' && !vals.includes(value)) vals.push(value);
      input = h('select', { id, 'data-path': f.path, onchange: (e) => onChange(e.target.value === '' ? undefined : e.target.value) },
        h('option', { value: '', selected: value === undefined }, '(default)'),
        ...vals.map((v) => h('option', { value: v, selected: value === v }, v)));
    } else if (f.kind === 'ref') {
      const opts = refOptions(f.refType);
      const cur = typeof value === 'string' ? value : '';
      if (cur && !opts.some((o) => lower(o.id) === lower(cur))) opts.push({ id: cur, label: cur.split('/').slice(-1)[0] + ' (not in design)' });
      input = h('select', { id, 'data-path': f.path, onchange: (e) => onChange(e.target.value === '' ? undefined : e.target.value) },
        h('option', { value: '', selected: !cur }, '(none)'),
        ...opts.map((o) => h('option', { value: o.id, selected: lower(o.id) === lower(cur) }, o.label)));
    } else {
      input = h('input', { type: f.kind === 'number' ? 'number' : 'text', id, 'data-path': f.path, value: value ?? '', placeholder: '(not set)',
        onchange: (e) => onChange(e.target.value === '' ? undefined : f.kind === 'number' ? Number(e.target.value) : e.target.value) });
    }
    body.append(h('div', { class: `field${flagged ? ' flagged' : ''}` },
      h('label', { for: id }, f.label, h('span', { class: 'path' }, f.path)), input));
  }
  const json = h('textarea', { 'aria-label': 'Resource JSON', spellcheck: 'false' });
  json.value = JSON.stringify(r, null, 2);
  body.append(h('details', { class: 'json' }, h('summary', {}, 'Edit as JSON'), json,
    h('div', { class: 'prop-actions' }, h('button', { class: 'btn', onclick: () => {
      let v;
      try { v = JSON.parse(json.value); } catch (e) { banner(`Resource JSON: ${e.message}`); return; }
      if (!v || typeof v !== 'object' || typeof v.type !== 'string') { banner('Resource JSON must be an object with a string `type`'); return; }
      banner(null);
      const i = state.resources.indexOf(r);
      if (!v.id) v.id = resourceId(v.type, v.name ?? 'unnamed');
      state.resources[i] = v;
      state.selected = idOf(v);
      recheck({ keepFinding: true });
    } }, 'Apply JSON'))));
  body.append(h('div', { class: 'prop-actions' }, h('button', { class: 'btn btn-danger', onclick: () => {
    removeResource(state.resources, r.id); state.selected = null; recheck();
  } }, 'Remove from design')));
  if (focusedPath) body.querySelector(`[data-path="${CSS.escape(focusedPath)}"]`)?.focus();
}

function renderFindings() {
  const list = $('findings-list');
  const hadFocus = list.contains(document.activeElement);
  list.textContent = '';
  if (!state.report) { list.append(h('p', { class: 'empty' }, 'The checker is not available.')); return; }
  if (!findings().length) { list.append(h('p', { class: 'no-findings', role: 'note' }, '✓ No findings: this design meets every rule of the catalog.')); return; }
  findings().forEach((f, i) => {
    const rule = state.rules.get(f.rule_id);
    const res = state.resources.find((r) => idOf(r) === findingKey(f));
    const selected = i === state.findingIndex;
    const active = state.findingIndex === -1 ? i === 0 : selected;
    const item = h('div', { class: 'finding findings-grid', role: 'option', id: `finding-${i}`, 'aria-selected': selected ? 'true' : 'false', tabindex: active ? '0' : '-1',
      'data-rule-id': f.rule_id, 'data-status': f.status, 'data-resource-id': findingKey(f), 'data-severity': lower(f.severity),
      onclick: (e) => { if (e.target.closest('.finding-detail')) return; selectFinding(i, { toggle: true }); },
      onkeydown: (e) => onFindingKey(e, i) },
      h('span', {}, h('span', { class: `pill sev-${lower(f.severity)}` }, f.severity)),
      h('span', { class: 'rule-id' }, f.rule_id),
      h('span', { class: 'res-name' }, res ? shortName(res) : (shortName(f.resource ?? {}) || '—'), h('span', { class: 'res-type' }, typeInfo(f.resource?.type).label)),
      h('span', {}, h('span', { class: 'title' }, sentence(f.title ?? rule?.title ?? f.rule_id)), ' ', h('span', { class: 'msg' }, f.message ?? '')),
      h('span', { class: `status-pill ${f.status}` }, f.status === 'indeterminate' ? 'needs a value' : 'fails'));
    if (selected && state.expanded) item.append(findingDetail(f, rule, res));
    list.append(item);
  });
  if (hadFocus) list.querySelector('[tabindex="0"]')?.focus({ preventScroll: false });
}

const sentence = (s) => String(s).charAt(0).toUpperCase() + String(s).slice(1);

function findingDetail(f, rule, res) {
  const fix = fixFor(f.rule_id, res);
  const detail = h('div', { class: 'finding-detail', 'data-testid': 'finding-detail' },
    h('h3', {}, 'Why it matters'), h('p', {}, rule?.why ?? rule?.summary ?? ''),
    h('h3', {}, 'How to fix'), h('p', {}, f.remediation || rule?.remediation?.summary || ''));
  for (const [label, key] of f.remediation ? [] : [['ARM / Bicep', 'arm'], ['Terraform', 'terraform'], ['azure-ai-ml', 'azure_ai_ml']]) {
    if (rule?.remediation?.[key]) detail.append(h('p', { class: 'fix-line' }, h('b', {}, `${label}: `), h('code', {}, rule.remediation[key])));
  }
  if (f.status === 'indeterminate' && f.message) detail.append(h('h3', {}, 'Missing'), h('p', {}, f.message));
  const actions = h('div', { class: 'actions' });
  if (fix) actions.append(h('button', { class: 'btn btn-primary', 'data-testid': 'fix', onclick: () => doFix(f) }, `Fix: ${fix.label}`));
  actions.append(h('a', { href: `rules.html#${encodeURIComponent(f.rule_id)}`, target: '_blank', rel: 'noopener', 'data-testid': 'rule-doc' }, `Rule documentation: ${f.rule_id}`));
  for (const ref of (rule?.references ?? []).slice(0, 1)) actions.append(h('a', { href: ref, target: '_blank', rel: 'noopener' }, 'Microsoft Learn'));
  detail.append(actions);
  return detail;
}

function selectFinding(i, { toggle = false, focus = false, expand = true } = {}) {
  if (toggle && i === state.findingIndex) state.expanded = !state.expanded; else state.expanded = expand;
  state.findingIndex = i;
  const f = currentFinding();
  if (f) state.selected = findingKey(f);
  renderCanvasPane();
  renderProperties();
  renderFindings();
  if (f) scrollCanvasTo(findingKey(f));
  const item = $(`finding-${i}`);
  if (focus || item) item?.focus({ preventScroll: false });
}

function onFindingKey(e, i) {
  const n = findings().length;
  const go = (j) => { e.preventDefault(); selectFinding(Math.max(0, Math.min(n - 1, j)), { focus: true, expand: false }); };
  switch (e.key) {
    case 'ArrowDown': return go(i + 1);
    case 'ArrowUp': return go(i - 1);
    case 'Home': return go(0);
    case 'End': return go(n - 1);
    case 'Enter': case ' ': e.preventDefault(); return selectFinding(i, { toggle: true, focus: true });
    case 'f': case 'F': { e.preventDefault(); const f = findings()[i]; if (f) doFix(f); return; }
    default:
  }
}

function doFix(f) {
  const res = state.resources.find((r) => idOf(r) === findingKey(f));
  const changes = applyFix(state.resources, f.rule_id, res);
  if (!changes.length) { banner(`No automatic fix applies for ${f.rule_id} here.`, 'info'); return; }
  banner(`Applied ${f.rule_id}: ${changes.join('; ')}`, 'info');
  state.expanded = false;
  recheck();
  const next = Math.min(state.findingIndex, findings().length - 1);
  if (next >= 0) selectFinding(next, { focus: true }); else state.findingIndex = -1;
}

// ---------------------------------------------------------------- commands

function download(name, data) {
  const blob = new Blob([JSON.stringify(data, null, 2) + '\n'], { type: 'application/json' });
  const a = h('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

const slug = () => lower(state.name).replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'design';

function setupCommands(presets) {
  const sel = $('preset');
  sel.append(h('option', { value: '' }, '(choose a design)'));
  const groups = new Map();
  for (const p of presets) {
    if (!groups.has(p.group)) { const og = h('optgroup', { label: p.group }); groups.set(p.group, og); sel.append(og); }
    groups.get(p.group).append(h('option', { value: `${p.kind}=${p.id}` }, p.title));
  }
  sel.addEventListener('change', () => { const p = presets.find((x) => `${x.kind}=${x.id}` === sel.value); if (p) loadPreset(p); });
  $('open-template').addEventListener('change', (e) => { const f = e.target.files; if (f?.length) openFiles(f); e.target.value = ''; });
  $('open-label').addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); $('open-template').click(); } });
  $('recheck').addEventListener('click', () => recheck({ keepFinding: true }));
  $('export-arm').addEventListener('click', () => download(`${slug()}.azuredeploy.json`, toArmTemplate(state.resources, state.description)));
  $('export-sarif').addEventListener('click', () => {
    try { download(`${slug()}.sarif`, amlguard.sarif({ resources: state.resources }, state.file ? { file: state.file } : undefined)); } catch (e) { banner(`SARIF export failed: ${e.message}`); }
  });
  const ep = $('export-policies');
  if (typeof amlguard.exportPolicies !== 'function') { ep.disabled = true; ep.title = 'Policy export is not in this build of the package'; }
  ep.addEventListener('click', () => {
    try { download('amlguard-policies.json', amlguard.exportPolicies({ initiative: true })); } catch (e) { banner(`Policy export failed: ${e.message}`); }
  });
  if (typeof amlguard.sarif !== 'function') { $('export-sarif').disabled = true; $('export-sarif').title = 'SARIF is not in this build of the package'; }
  $('zoom-fit').addEventListener('click', (e) => { state.fit = !state.fit; e.currentTarget.setAttribute('aria-pressed', String(state.fit)); renderCanvasPane(); });
  $('search').addEventListener('input', (e) => { state.filter = e.target.value; renderCanvasPane(); });
  $('crumb-home').addEventListener('click', (e) => { e.preventDefault(); const p = presets[0]; if (p) { sel.value = `${p.kind}=${p.id}`; loadPreset(p); } });

  // Drag and drop anywhere on the blade.
  const overlay = $('drop-overlay');
  let depth = 0;
  document.addEventListener('dragenter', (e) => { if (e.dataTransfer?.types?.includes('Files')) { depth++; overlay.hidden = false; e.preventDefault(); } });
  document.addEventListener('dragleave', () => { depth = Math.max(0, depth - 1); if (!depth) overlay.hidden = true; });
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => { e.preventDefault(); depth = 0; overlay.hidden = true; const f = e.dataTransfer?.files; if (f?.length) openFiles(f); });
}

function setupPalette() {
  const ul = $('palette-list');
  const ctx = {
    workspaceName: () => shortName(state.resources.find((r) => typeOf(r) === WORKSPACE_TYPE) ?? { name: 'mlw-new' }),
    workspaceId: () => state.resources.find((r) => typeOf(r) === WORKSPACE_TYPE)?.id ?? '',
    vnetName: () => shortName(state.resources.find((r) => typeOf(r) === 'microsoft.network/virtualnetworks') ?? { name: 'vnet-new' }),
    firstSubnet: () => { const s = subnets(state.resources)[0]; return s ? { id: s.inline ? `${s.resource.id}/subnets/${s.name}` : s.resource.id } : undefined; },
    dependencies: () => {
      const pick = (t) => state.resources.find((r) => typeOf(r) === t)?.id;
      const out = {};
      for (const [k, t] of [['storageAccount', 'microsoft.storage/storageaccounts'], ['keyVault', 'microsoft.keyvault/vaults'],
        ['containerRegistry', 'microsoft.containerregistry/registries'], ['applicationInsights', 'microsoft.insights/components']]) { const id = pick(t); if (id) out[k] = id; }
      return out;
    },
  };
  for (const g of PALETTE) {
    ul.append(h('li', { class: 'pal-group', role: 'presentation' }, g.group));
    for (const item of g.items) {
      const info = typeInfo(item.type);
      ul.append(h('li', {}, h('button', { 'data-palette': item.key, title: `Add a ${info.label}`, onclick: () => {
        const name = typeof item.name === 'function' ? item.name(ctx) : item.name;
        const body = item.make(ctx);
        const r = addResource(state.resources, item.type, name, body, body.location ?? 'westeurope');
        if (item.type.split('/').length > 2 && !body.location && typeOf(r) === 'microsoft.network/virtualnetworks/subnets') delete r.location;
        state.selected = idOf(r);
        state.findingIndex = -1;
        recheck();
        scrollCanvasTo(idOf(r));
      } },
      h('span', { 'aria-hidden': 'true', style: `display:inline-flex;flex:none;width:22px;height:22px;border-radius:3px;background:${info.color};color:#fff;font-size:9px;font-weight:700;align-items:center;justify-content:center` }, info.glyph),
      item.key === 'compute-instance' ? 'Compute instance' : item.key === 'compute-cluster' ? 'Compute cluster' : info.label)));
    }
  }
}

state.render = () => renderAll();

async function main() {
  try {
    await init();
  } catch (e) {
    banner(`The amlguard WebAssembly module failed to load: ${e.message}`);
    return;
  }
  if (typeof amlguard.rules === 'function') {
    try { for (const r of amlguard.rules()) state.rules.set(r.id, r); } catch (e) { banner(`Rules unavailable: ${e.message}`); }
  }
  if (typeof amlguard.check !== 'function') banner('This build of the amlguard package has no check function yet: the design is drawn but not checked.', 'info');
  const presets = [];
  for (const [url, kind, group] of [['presets/index.json', 'preset', 'Presets'], ['samples/index.json', 'sample', 'Samples from the corpus']]) {
    try {
      const resp = await fetch(url);
      if (resp.ok) for (const p of await resp.json()) presets.push({ ...p, kind, group, file: `${url.split('/')[0]}/${p.file}` });
    } catch { /* samples are optional */ }
  }
  setupCommands(presets);
  setupPalette();
  const m = /^#(preset|sample)=(.+)$/.exec(location.hash);
  const first = (m && presets.find((p) => p.kind === m[1] && p.id === decodeURIComponent(m[2]))) || presets[0];
  if (first) { $('preset').value = `${first.kind}=${first.id}`; await loadPreset(first); }
  document.body.dataset.ready = 'true';
}

main();
