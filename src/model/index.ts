/**
 * Public surface of Verdict's transformer engine (see API.md and README.md).
 * GPT-2 style decoder with explicit forward/backward passes over swappable kernels
 * (C++ N-API addon, or the pure-TypeScript reference).
 */
export type { Kernels, NativeKernels } from './kernels/types.js';
export type {
  ModelConfig, TrainConfig, TrainBatch, TrainStepStats, TrainerState, TextCodec,
  SampleOptions, Completion, ScoreItem, CheckpointMeta, KernelChoice,
} from './types.js';
export { getKernels } from './kernels/index.js';
export { Transformer } from './transformer.js';
export { Trainer, DEFAULT_TRAIN_CONFIG, learningRateAt } from './trainer.js';
export { sample, score } from './sampling.js';
export { saveCheckpoint, loadCheckpoint, CheckpointError } from './checkpoint.js';
export type { LoadedCheckpoint, SaveCheckpointInput } from './checkpoint.js';
export { Rng } from './rng.js';
export { Tokenizer } from './tokenizer.js';
export { scoreTokens } from './sampling.js';
export { nativeAvailable } from './kernels/index.js';
export {
  encodeSafetensors, decodeSafetensors, writeSafetensors, readSafetensors, SafetensorsError,
  type Dtype, type Tensor, type ReadTensor, type SafetensorsContents,
} from './safetensors.js';
