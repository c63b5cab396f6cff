// Rule documentation generated in the page from the catalog compiled into the
// wasm package (the same data as docs/rules/*.md).
import init, { rules } from './pkg/amlguard_wasm.js';

const h = (tag, text, attrs = {}) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); return e; };

await init();
const list = typeof rules === 'function' ? rules() : [];
document.getElementById('count').textContent = `${list.length} rules`;
const root = document.getElementById('rules');
for (const r of list) {
  const card = h('section', undefined, { class: 'rule-card', id: r.id, 'data-rule-id': r.id });
  card.append(h('h2', `${r.id} · ${r.title}`));
  const meta = h('p');
  meta.append(h('span', r.severity, { class: `pill sev-${String(r.severity).toLowerCase()}` }), `  ${r.area ?? ''}`);
  card.append(meta);
  for (const [label, key] of [['Summary', 'summary'], ['Why it matters', 'why']]) {
    if (r[key]) card.append(h('h3', label), h('p', String(r[key])));
  }
  const fix = r.remediation ?? {};
  card.append(h('h3', 'How to fix'), h('p', fix.summary ?? ''));
  for (const [label, key] of [['ARM / Bicep', 'arm'], ['Terraform', 'terraform'], ['azure-ai-ml', 'azure_ai_ml']]) {
    if (fix[key]) { const p = h('p'); p.append(h('b', `${label}: `), h('code', fix[key])); card.append(p); }
  }
  if (r.notes) card.append(h('h3', 'Notes'), h('p', r.notes));
  if (r.references?.length) {
    const ul = h('ul');
    for (const ref of r.references) { const li = h('li'); const a = h('a', ref, { href: ref, rel: 'noopener' }); li.append(a); ul.append(li); }
    card.append(h('h3', 'References'), ul);
  }
  if (r.policyRule) { card.append(h('h3', 'Policy rule'), h('pre', JSON.stringify(r.policyRule, null, 2))); }
  root.append(card);
}
if (location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
