/**
 * Learners: expert iteration (ReST-EM) and supervised fine-tuning, one file per algorithm, plus
 * pretraining of the base model and resumable sampling to a samples file.
 */
export {
  DEFAULT_EXPERT_ITERATION,
  generateRound,
  roundTasks,
  mapLimit,
  type ExpertIterationConfig,
  type SftExample,
  type GenerateStats,
  type GenerateResult,
  type GenerateProgress,
} from './expert-iteration.js';
export { DEFAULT_SFT, supervisedFineTune, sftSteps, learningRateAt, encodeExample, type SftConfig, type SftResult, type StepMetrics } from './sft.js';
export { sampleToFile, taskSeed, type SampleFileOptions, type SampleFileResult } from './sampling.js';
export { openCheckpoint, terminateCompletion, type TrainableModel, type TrainOptions, type WeightedSequence } from './engine.js';
