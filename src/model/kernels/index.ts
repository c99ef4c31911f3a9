import type { Kernels, NativeKernels } from './types.js';
import type { KernelChoice } from '../types.js';
import { tsKernels } from './ts.js';

interface NativeLoader {
  loadNativeKernels(): { kernels: NativeKernels } | { error: string };
}

// native.ts (owned by the native-kernel helper) loads the addon; imported through a variable
// specifier so this file type-checks and runs while native.ts does not exist yet.
let nativeModule: NativeLoader | undefined;
let nativeImportError = 'src/model/kernels/native.ts is missing';
try {
  const specifier = './native.js';
  nativeModule = (await import(specifier)) as NativeLoader;
} catch (e) {
  nativeImportError = (e as Error).message.split('\n')[0]!;
}

let nativeCache: { kernels: Kernels } | { error: string } | undefined;
let warned = false;

function loadNative(): { kernels: Kernels } | { error: string } {
  if (nativeCache) return nativeCache;
  if (!nativeModule) return (nativeCache = { error: nativeImportError });
  try {
    const r = nativeModule.loadNativeKernels();
    if ('error' in r) nativeCache = { error: r.error };
    else nativeCache = { kernels: { ...tsKernels, ...r.kernels, name: 'native' } };
  } catch (e) {
    nativeCache = { error: (e as Error).message };
  }
  return nativeCache;
}

/**
 * The kernels to use: 'auto' (default) merges the native addon over the TypeScript kernels and
 * warns once when the addon is missing; VERDICT_NO_NATIVE=1 forces TypeScript; 'native' throws
 * when the addon cannot be loaded.
 */
export function getKernels(which: KernelChoice = 'auto'): Kernels {
  if (which === 'typescript') return tsKernels;
  if (which === 'auto' && process.env.VERDICT_NO_NATIVE === '1') return tsKernels;
  const r = loadNative();
  if ('kernels' in r) return r.kernels;
  if (which === 'native') throw new Error(`native kernels unavailable: ${r.error}`);
  if (!warned) {
    warned = true;
    process.stderr.write(`verdict: native kernels unavailable (${r.error}); using the TypeScript kernels (slower)\n`);
  }
  return tsKernels;
}

/** Whether the native addon loads (no warning printed). */
export function nativeAvailable(): boolean {
  if (process.env.VERDICT_NO_NATIVE === '1') return false;
  return 'kernels' in loadNative();
}
