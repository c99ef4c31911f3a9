/** Servers: `verdict serve` (execution and rewards) and `verdict serve-model` (OpenAI-compatible completions). */
export { createExecServer, toSandboxFusion, DEFAULT_MAX_LIMITS } from './exec-server.js';
export { HttpError } from './http.js';
export type { ExecServer, ExecServerOptions, SandboxFusionResult } from './exec-server.js';
export { parseLabel, completionFor, responseOf, extractCode, LabelError } from './labels.js';
export type { LabelledTask } from './labels.js';
export { binaryReward, errorTypeReward, passRatio, REWARD_KINDS } from './reward.js';
export type { RewardKind } from './reward.js';
export { Registry, PROMETHEUS_CONTENT_TYPE } from './metrics.js';
export { compositeRewardFor } from './reward.js';
export type { CompositeReward } from './reward.js';
export { createModelServer } from './model-server.js';
export type { ModelServerOptions, ServedModel } from './model-server.js';
export { MicroBatcher } from './batcher.js';
export { onShutdown } from './shutdown.js';
