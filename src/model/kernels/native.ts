/**
 * Loader for the C++ kernel addon (native/, built by `npm install` through node-gyp).
 *
 * `loadNativeKernels()` never throws: when the addon is missing or cannot be loaded it returns
 * `{ error }` and the engine (index.ts) falls back to the TypeScript kernels. The addon validates
 * every argument itself (typed-array kinds, integer sizes, buffers at least as long as the kernel
 * needs, no output overlapping an input of a matrix product) and throws a TypeError naming the
 * kernel and the argument, so a wrong-sized buffer can never corrupt memory.
 *
 * Threads: the addon keeps one persistent pool; its size comes from VERDICT_THREADS (default: the
 * number of cores) and can be changed with `setNativeThreads`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kernels, NativeKernels } from './types.js';

/** The functions exported by native/src/addon.cc (same argument order as `Kernels`). */
interface Addon {
  matmul: Kernels['matmul'];
  linearForward: Kernels['linearForward'];
  linearBackward: Kernels['linearBackward'];
  layerNormForward: Kernels['layerNormForward'];
  layerNormBackward: Kernels['layerNormBackward'];
  geluForward: Kernels['geluForward'];
  geluBackward: Kernels['geluBackward'];
  attentionForward: Kernels['attentionForward'];
  attentionBackward: Kernels['attentionBackward'];
  softmaxCrossEntropy: Kernels['softmaxCrossEntropy'];
  /** Absent in addons built before it was added: the TypeScript version is used then. */
  attentionDecode?: Kernels['attentionDecode'];
  logSoftmax: Kernels['logSoftmax'];
  /** Absent in addons built before it was added. */
  decodeBlock?: Kernels['decodeBlock'];
  /** Absent in addons built before it was added. */
  softmax?: Kernels['softmax'];
  adamw: Kernels['adamw'];
  /** With a number: resizes the pool. Returns the pool size (calling thread included). */
  threads(n?: number): number;
  /** SIMD path compiled in: 'avx2-fma' or 'scalar'. */
  simd: string;
}

export const ADDON_NAME = 'verdict_kernels.node';

/** The package root: the nearest ancestor of this file holding package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
    dir = up;
  }
}

/** Where the addon is expected: <package root>/native/build/Release/verdict_kernels.node. */
export function defaultAddonPath(): string {
  return join(packageRoot(), 'native', 'build', 'Release', ADDON_NAME);
}

let cached: { path: string; addon: Addon } | undefined;

function loadAddon(path: string): Addon {
  if (cached?.path === path) return cached.addon;
  const require = createRequire(import.meta.url);
  const addon = require(path) as Addon;
  for (const fn of ['matmul', 'attentionForward', 'adamw', 'threads'] as const) {
    if (typeof addon[fn] !== 'function') throw new Error(`${path} does not export ${fn}; rebuild it (npm run build:native)`);
  }
  cached = { path, addon };
  return addon;
}

export interface LoadNativeOptions {
  /** Load the addon from this file instead of the package's build folder (tests). */
  addonPath?: string;
}

/**
 * Loads the native kernels. Returns `{ error }` (never throws) when the addon was not built or
 * cannot be loaded, with a message saying why and how to build it.
 */
export function loadNativeKernels(options: LoadNativeOptions = {}): { kernels: NativeKernels } | { error: string } {
  const path = options.addonPath ?? defaultAddonPath();
  if (!existsSync(path)) {
    return { error: `native kernels not built (${path} is missing; run npm run build:native)` };
  }
  let addon: Addon;
  try {
    addon = loadAddon(path);
  } catch (e) {
    return { error: `native kernels could not be loaded from ${path}: ${(e as Error).message.split('\n')[0]}` };
  }
  // Explicit wrappers: the TypeScript signatures are exactly those of `Kernels`.
  const kernels: NativeKernels = {
    matmul: (out, a, b, M, N, K, transA, transB, accumulate) => addon.matmul(out, a, b, M, N, K, transA, transB, accumulate),
    linearForward: (out, x, w, bias, rows, inDim, outDim) => addon.linearForward(out, x, w, bias, rows, inDim, outDim),
    linearBackward: (dx, dw, dbias, dout, x, w, rows, inDim, outDim) =>
      addon.linearBackward(dx, dw, dbias, dout, x, w, rows, inDim, outDim),
    layerNormForward: (out, mean, rstd, x, gamma, beta, rows, dim, eps) =>
      addon.layerNormForward(out, mean, rstd, x, gamma, beta, rows, dim, eps),
    layerNormBackward: (dx, dgamma, dbeta, dout, x, mean, rstd, gamma, rows, dim) =>
      addon.layerNormBackward(dx, dgamma, dbeta, dout, x, mean, rstd, gamma, rows, dim),
    geluForward: (out, x, n) => addon.geluForward(out, x, n),
    geluBackward: (dx, dout, x, n) => addon.geluBackward(dx, dout, x, n),
    attentionForward: (out, probs, qkv, B, T, C, H) => addon.attentionForward(out, probs, qkv, B, T, C, H),
    attentionBackward: (dqkv, dout, qkv, probs, B, T, C, H) => addon.attentionBackward(dqkv, dout, qkv, probs, B, T, C, H),
    ...(addon.attentionDecode
      ? {
          attentionDecode: ((dec) => (out, qkv, kCache, vCache, slots, lengths, m, C, H, maxT) =>
            dec(out, qkv, kCache, vCache, slots, lengths, m, C, H, maxT))(addon.attentionDecode),
        } satisfies NativeKernels
      : {}),
    softmaxCrossEntropy: (losses, dlogits, logits, targets, weights, rows, V) =>
      addon.softmaxCrossEntropy(losses, dlogits, logits, targets, weights, rows, V),
    logSoftmax: (out, logits, rows, V) => addon.logSoftmax(out, logits, rows, V),
    ...(addon.decodeBlock
      ? {
          decodeBlock: ((db) => (x, w, kCache, vCache, slots, positions, m, C, H, maxT, eps, scratch, packed, repack) =>
            db(x, w, kCache, vCache, slots, positions, m, C, H, maxT, eps, scratch, packed, repack))(addon.decodeBlock),
        } satisfies NativeKernels
      : {}),
    ...(addon.softmax
      ? { softmax: ((sm) => (out, logits, rows, V, scale) => sm(out, logits, rows, V, scale))(addon.softmax) } satisfies NativeKernels
      : {}),
    adamw: (param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, step) =>
      addon.adamw(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, step),
  };
  return { kernels };
}

/** Pool size and SIMD path of the loaded addon, or null when it is not available. */
export function nativeInfo(): { threads: number; simd: string } | null {
  const r = loadNativeKernels();
  if ('error' in r || !cached) return null;
  return { threads: cached.addon.threads(), simd: cached.addon.simd };
}

/** Resizes the native thread pool (overrides VERDICT_THREADS); returns the new size, or null without the addon. */
export function setNativeThreads(n: number): number | null {
  const r = loadNativeKernels();
  if ('error' in r || !cached) return null;
  return cached.addon.threads(n);
}
