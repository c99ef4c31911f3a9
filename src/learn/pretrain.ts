/**
 * Pretraining the base model on the built-in corpus (code as written, defects included), one
 * readable file: train the tokenizer on the corpus, then next-token prediction on packed windows of
 * whole documents, AdamW with warmup and linear decay, a held-out validation loss, periodic
 * resumable checkpoints, and a loss-curve report.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { buildCorpus, DEFAULT_CORPUS_OPTIONS, type CorpusStats } from '../tasks/builtin/index.js';
import { createTrainable, openCheckpoint, terminateCompletion, type TrainableModel, type WeightedSequence } from './engine.js';
import { learningRateAt } from './sft.js';
import { xorshift32 } from './xorshift.js';

export const pretrainConfigSchema = z.strictObject({
  seed: z.number().int().min(0).default(1),
  corpus: z
    .strictObject({
      seed: z.number().int().min(0).optional(),
      documents: z.number().int().min(10).default(DEFAULT_CORPUS_OPTIONS.documents),
      defectRate: z.number().min(0).max(1).default(DEFAULT_CORPUS_OPTIONS.defectRate),
      secondDefectRate: z.number().min(0).max(1).default(DEFAULT_CORPUS_OPTIONS.secondDefectRate),
      renameRate: z.number().min(0).max(1).default(DEFAULT_CORPUS_OPTIONS.renameRate),
      /** Documents held out for the validation loss. */
      validationDocuments: z.number().int().min(0).default(400),
    })
    .default({ documents: DEFAULT_CORPUS_OPTIONS.documents, defectRate: 0.45, secondDefectRate: 0.15, renameRate: 0.35, validationDocuments: 400 }),
  tokenizer: z.strictObject({ vocabSize: z.number().int().min(259).max(65536).default(768) }).default({ vocabSize: 768 }),
  model: z
    .strictObject({
      dModel: z.number().int().min(8).default(128),
      layers: z.number().int().min(1).default(4),
      heads: z.number().int().min(1).default(4),
      contextLength: z.number().int().min(16).default(256),
    })
    .default({ dModel: 128, layers: 4, heads: 4, contextLength: 256 }),
  train: z
    .strictObject({
      steps: z.number().int().min(1).default(1500),
      batchSize: z.number().int().min(1).default(16),
      learningRate: z.number().positive().default(3e-3),
      warmupSteps: z.number().int().min(0).default(100),
      minLearningRateRatio: z.number().min(0).max(1).default(0.1),
      weightDecay: z.number().min(0).default(0.1),
      gradClip: z.number().min(0).default(1.0),
      checkpointEvery: z.number().int().min(1).default(250),
      logEvery: z.number().int().min(1).default(10),
      evalEvery: z.number().int().min(1).default(250),
    })
    .default({ steps: 1500, batchSize: 16, learningRate: 3e-3, warmupSteps: 100, minLearningRateRatio: 0.1, weightDecay: 0.1, gradClip: 1, checkpointEvery: 250, logEvery: 10, evalEvery: 250 }),
});

export type PretrainConfig = z.infer<typeof pretrainConfigSchema>;

export interface LossPoint {
  step: number;
  loss: number;
  learningRate: number;
  tokens: number;
  seconds: number;
  validationLoss?: number;
}

export interface PretrainProgress {
  step: number;
  total: number;
  loss: number;
}

export interface PretrainResult {
  checkpoint: string;
  steps: number;
  resumedFrom: number;
  seconds: number;
  finalLoss: number;
  validationLoss: number;
  corpus: CorpusStats;
  tokens: number;
}

/** A document's text: the prompt, the body, and the blank line that ends a function. */
export function documentText(prompt: string, completion: string): string {
  return prompt + terminateCompletion(completion);
}

/** Seeded xorshift32 stream. */
function stream(seed: number): () => number {
  return xorshift32((seed >>> 0) ^ 0x2545f491);
}

/**
 * A window of `length + 1` tokens made of whole documents starting at document `start` (wrapping
 * around); the unused tail is padding with weight 0. Every document starts fresh at position 0 of
 * some window, as sampling starts at a prompt.
 */
export function packWindow(docs: readonly number[][], start: number, length: number, pad: number): WeightedSequence {
  const tokens: number[] = [];
  const weights: number[] = [];
  for (let k = 0; k < docs.length && tokens.length < length + 1; k++) {
    const d = docs[(start + k) % docs.length]!;
    if (tokens.length > 0 && tokens.length + d.length > length + 1) break;
    for (const t of d.slice(0, length + 1 - tokens.length)) {
      weights.push(tokens.length === 0 ? 0 : 1);
      tokens.push(t);
    }
  }
  while (tokens.length < length + 1) {
    tokens.push(pad);
    weights.push(0);
  }
  return { tokens, weights };
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFile(path + '.tmp', JSON.stringify(value, null, 2) + '\n');
  await rename(path + '.tmp', path);
}

function lossReport(points: readonly LossPoint[]): string {
  const lines = ['step      loss  val_loss        lr   tokens   seconds'];
  for (const p of points) {
    lines.push(
      `${String(p.step).padStart(6)} ${p.loss.toFixed(4).padStart(9)} ${(p.validationLoss !== undefined ? p.validationLoss.toFixed(4) : '').padStart(9)} ${p.learningRate.toExponential(2).padStart(9)} ${String(p.tokens).padStart(8)} ${p.seconds.toFixed(1).padStart(9)}`,
    );
  }
  return lines.join('\n') + '\n';
}

async function validationLoss(model: TrainableModel, windows: readonly WeightedSequence[], batchSize: number): Promise<number> {
  if (windows.length === 0) return Number.NaN;
  let sum = 0;
  let n = 0;
  for (let b = 0; b < windows.length; b += batchSize) {
    const batch = windows.slice(b, b + batchSize);
    const w = batch.reduce((s, x) => s + x.weights.slice(1).reduce((a, v) => a + v, 0), 0);
    sum += (await model.evalLoss(batch)) * w;
    n += w;
  }
  return n ? sum / n : Number.NaN;
}

/**
 * Pretrains into `out`: `out/checkpoint` (latest, resumable), `out/loss.json`, `out/loss.txt`,
 * `out/corpus-stats.json`. Re-running with the same config resumes from the last checkpoint.
 */
export async function pretrain(o: {
  config: PretrainConfig;
  out: string;
  onProgress?: (p: PretrainProgress) => void;
  log?: (m: string) => void;
  /** The engine (tests pass a stand-in). */
  engine?: { createTrainable: typeof createTrainable; openCheckpoint: typeof openCheckpoint };
}): Promise<PretrainResult> {
  const c = o.config;
  const engine = o.engine ?? { createTrainable, openCheckpoint };
  const log = o.log ?? (() => {});
  await mkdir(o.out, { recursive: true });
  const ckptDir = join(o.out, 'checkpoint');
  const statePath = join(o.out, 'state.json');

  const corpus = buildCorpus({
    seed: c.corpus.seed ?? c.seed,
    documents: c.corpus.documents + c.corpus.validationDocuments,
    defectRate: c.corpus.defectRate,
    secondDefectRate: c.corpus.secondDefectRate,
    renameRate: c.corpus.renameRate,
  });
  const texts = corpus.documents.map((d) => documentText(d.prompt, d.completion));
  const trainTexts = texts.slice(c.corpus.validationDocuments);
  const validTexts = texts.slice(0, c.corpus.validationDocuments);
  await writeJsonAtomic(join(o.out, 'corpus-stats.json'), corpus.stats);

  let model: TrainableModel;
  let step = 0;
  let points: LossPoint[] = [];
  let tokens = 0;
  let priorSeconds = 0;
  if (existsSync(statePath) && existsSync(ckptDir)) {
    const state = JSON.parse(await readFile(statePath, 'utf8')) as { config: PretrainConfig; step: number; points: LossPoint[]; tokens: number; seconds: number };
    if (JSON.stringify(state.config) !== JSON.stringify(c)) {
      throw new Error(`${statePath}: this run folder was started with a different config; use another output folder`);
    }
    model = await engine.openCheckpoint(ckptDir, { learningRate: c.train.learningRate, weightDecay: c.train.weightDecay, gradClip: c.train.gradClip, seed: c.seed, resumeOptimizer: true });
    step = state.step;
    points = state.points;
    tokens = state.tokens;
    priorSeconds = state.seconds;
    log(`resuming from step ${step} of ${c.train.steps}`);
  } else {
    log(`training a ${c.tokenizer.vocabSize}-token tokenizer on ${trainTexts.length} documents ...`);
    model = await engine.createTrainable({
      vocabSize: c.tokenizer.vocabSize,
      tokenizerTexts: trainTexts,
      dModel: c.model.dModel,
      layers: c.model.layers,
      heads: c.model.heads,
      contextLength: c.model.contextLength,
      train: { learningRate: c.train.learningRate, weightDecay: c.train.weightDecay, gradClip: c.train.gradClip, seed: c.seed },
    });
  }
  const resumedFrom = step;
  const bos = model.bos !== undefined && model.bos >= 0 ? [model.bos] : [];
  const eos = model.eos !== undefined && model.eos >= 0 ? [model.eos] : [];
  // A document as the model sees it: BOS (sampling prepends it to prompts), the text, EOS.
  const encode = (t: string) => [...bos, ...model.encode(t), ...eos];
  const trainDocs = trainTexts.map(encode);
  const validDocs = validTexts.map(encode);
  const pad = eos[0] ?? trainDocs[0]?.[0] ?? 0;
  // packWindow returns length + 1 tokens; the engine takes at most contextLength.
  const L = c.model.contextLength - 1;
  const validWindows: WeightedSequence[] = [];
  for (let i = 0; i < validDocs.length; ) {
    const w = packWindow(validDocs, i, L, pad);
    validWindows.push(w);
    // Advance past the documents this window holds (at least one).
    let used = 0;
    let len = 0;
    while (i + used < validDocs.length && (used === 0 || len + validDocs[i + used]!.length <= L + 1)) len += validDocs[i + used++]!.length;
    i += used;
  }
  const corpusTokens = trainDocs.reduce((s, d) => s + d.length, 0);
  log(`corpus: ${trainDocs.length} documents, ${corpusTokens} tokens (${(corpusTokens / trainDocs.length).toFixed(1)} per document); ${validWindows.length} validation windows`);

  const rand = stream(c.seed * 7 + 11);
  // Fast-forward the batch stream when resuming, so a resumed run sees the batches it would have seen.
  for (let s = 0; s < step * c.train.batchSize; s++) rand();
  const segmentStart = performance.now();
  let lastLoss = points.length ? points[points.length - 1]!.loss : Number.NaN;
  let lossAcc = 0;
  let lossN = 0;
  const save = async () => {
    const tmp = ckptDir + '.tmp';
    await model.save(tmp, { pretrain: { step, config: c } }, { optimizer: true });
    if (existsSync(ckptDir)) await rename(ckptDir, ckptDir + '.old');
    await rename(tmp, ckptDir);
    if (existsSync(ckptDir + '.old')) await (await import('node:fs/promises')).rm(ckptDir + '.old', { recursive: true, force: true });
    const seconds = priorSeconds + (performance.now() - segmentStart) / 1000;
    await writeJsonAtomic(statePath, { config: c, step, points, tokens, seconds });
    await writeJsonAtomic(join(o.out, 'loss.json'), points);
    await writeFile(join(o.out, 'loss.txt'), lossReport(points));
  };
  while (step < c.train.steps) {
    step++;
    const batch: WeightedSequence[] = [];
    for (let b = 0; b < c.train.batchSize; b++) batch.push(packWindow(trainDocs, Math.floor(rand() * trainDocs.length), L, pad));
    const lr = learningRateAt(step, c.train.steps, c.train);
    const loss = await model.trainStep(batch, lr);
    tokens += batch.reduce((s, x) => s + x.weights.reduce((a, w) => a + w, 0), 0);
    lossAcc += loss;
    lossN++;
    lastLoss = loss;
    o.onProgress?.({ step, total: c.train.steps, loss });
    if (step % c.train.logEvery === 0 || step === c.train.steps) {
      const point: LossPoint = { step, loss: lossAcc / lossN, learningRate: lr, tokens, seconds: priorSeconds + (performance.now() - segmentStart) / 1000 };
      lossAcc = 0;
      lossN = 0;
      if (step % c.train.evalEvery === 0 || step === c.train.steps) point.validationLoss = await validationLoss(model, validWindows, c.train.batchSize);
      points.push(point);
    }
    if (step % c.train.checkpointEvery === 0 || step === c.train.steps) await save();
  }
  const last = points[points.length - 1];
  return {
    checkpoint: ckptDir,
    steps: step,
    resumedFrom,
    seconds: priorSeconds + (performance.now() - segmentStart) / 1000,
    finalLoss: last?.loss ?? lastLoss,
    validationLoss: [...points].reverse().find((p) => p.validationLoss !== undefined)?.validationLoss ?? Number.NaN,
    corpus: corpus.stats,
    tokens,
  };
}
