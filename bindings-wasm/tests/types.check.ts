// Type-checked (never run) by scripts/test-wasm with `tsc --noEmit --strict`:
// the generated declarations must describe how a user calls the package.
import init, {
  check, evaluatePolicy, explain, exportPolicies, ingest, initSync, rules, sarif, version,
  type CheckOptions, type Deployment, type Evaluation, type Finding, type PolicyExport, type Report, type Rule,
} from '../pkg/amlguard_wasm.js';

export async function usage(bytes: BufferSource): Promise<number> {
  initSync({ module: bytes });
  await init();
  const dep: Deployment = ingest('[]', { file: 'design.json' });
  const options: CheckOptions = { rules: ['AML-NET'], skip: ['AML-NET-003'], parameters: { allowedVmSizes: ['Standard_DS3_v2'] },
    templateParameters: { access: 'Disabled' }, simulate: true, suppressions: [{ id: 'AML-CMP-006', justification: 'checked live' }] };
  const report: Report = check({ resources: [] }, options);
  const high: Finding[] = report.findings.filter((f) => f.severity === 'high' && f.status === 'fail');
  const line: number | null = high[0]?.location.line ?? null;
  const log: Record<string, unknown> = sarif('[]');
  const all: Rule[] = rules();
  const one: Rule | undefined = explain('AML-NET-001');
  const ev: Evaluation = evaluatePolicy({ if: { field: 'type', equals: 'x' }, then: { effect: 'audit' } }, { type: 'x' });
  const ex: PolicyExport = exportPolicies({ effect: 'deny', scope: 'managementGroup', initiative: true });
  return dep.relations.length + (line ?? 0) + Object.keys(log).length + all.length + (one ? 1 : 0)
    + ev.evidence.length + ex.definitions.length + version().length + (ev.outcome === 'unknown' ? 1 : 0);
}
