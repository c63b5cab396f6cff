// Type-checked (never run) by scripts/test-wasm with `tsc --noEmit --strict`:
// the generated declarations must describe how a user calls the package.
import init, { initSync, ingest, version, type Deployment, type Resource } from '../pkg/amlguard_wasm.js';

export async function usage(bytes: BufferSource): Promise<number> {
  initSync({ module: bytes });
  await init();
  const dep: Deployment = ingest('[]');
  const withFile: Deployment = ingest([{ type: 'Microsoft.Storage/storageAccounts', name: 'st' }], { file: 'design.json' });
  const first: Resource | undefined = withFile.resources[0];
  const line: number | undefined = first?.provenance.line;
  const v: string = version();
  return dep.relations.length + (line ?? 0) + v.length;
}
