/** Shared helpers for the engine tests: which kernel sets to run, small deterministic data. */
import { getKernels } from '../../src/model/index.js';
import { nativeAvailable } from '../../src/model/kernels/index.js';
import type { Kernels } from '../../src/model/index.js';

/** The TypeScript kernels always; the native ones when the addon is built (else a skip reason). */
export function kernelSets(): { name: string; kernels: Kernels | null; skip: string | false }[] {
  const sets: { name: string; kernels: Kernels | null; skip: string | false }[] = [
    { name: 'typescript', kernels: getKernels('typescript'), skip: false },
  ];
  if (nativeAvailable()) sets.push({ name: 'native', kernels: getKernels('native'), skip: false });
  else {
    const why = process.env.VERDICT_NO_NATIVE === '1' ? 'VERDICT_NO_NATIVE=1 forces the TypeScript kernels' : 'native addon not built (npm run build:native)';
    sets.push({ name: 'native', kernels: null, skip: why });
  }
  return sets;
}
