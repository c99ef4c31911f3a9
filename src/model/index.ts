export type { Kernels, NativeKernels } from './kernels/types.js';
