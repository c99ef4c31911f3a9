/** Sandboxed execution: the public surface of src/exec. See docs/exec.md. */
export * from './types.js';
export { createExecutor } from './executor.js';
export type { ExecutorOptions, ExecutorStats, SandboxExecutor } from './executor.js';
export { sameOutput } from './compose.js';
export { probeIsolation, buildLauncher } from './sandbox.js';
