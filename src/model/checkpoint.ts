/**
 * Checkpoints: one folder with
 *   model.safetensors      weights (F32, one tensor per parameter, names from layout.ts)
 *   tokenizer.json         the BPE tokenizer
 *   optimizer.safetensors  AdamW moments m, v and the pending accumulated gradient (with a trainer)
 *   trainer.json           optimizer step, micro-step, train config, RNG state (with a trainer)
 *   config.json            format, model config, user metadata; written last, so a folder with a
 *                          config.json is complete (every file is written to a temporary and renamed)
 */
import { readFile, rename, rm, writeFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointMeta, ModelConfig, TextCodec, TrainConfig, TrainerState } from './types.js';
import { Transformer } from './transformer.js';
import type { Trainer } from './trainer.js';
import { layoutOf } from './layout.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';
import { Tokenizer } from './tokenizer.js';

export const CHECKPOINT_FORMAT = 'verdict-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** A checkpoint that cannot be read: names the file and the field. */
export class CheckpointError extends Error {
  constructor(readonly file: string, readonly field: string, detail: string) {
    super(`${file}: ${field}: ${detail}`);
    this.name = 'CheckpointError';
  }
}

export interface SaveCheckpointInput {
  model: Transformer;
  /** The BPE Tokenizer (saved with its toJSON()). */
  tokenizer: TextCodec & { toJSON(): unknown };
  trainer?: Trainer;
  meta?: CheckpointMeta;
}

export interface LoadedCheckpoint {
  model: Transformer;
  tokenizer: Tokenizer;
  trainerState?: TrainerState;
  meta: CheckpointMeta;
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n');
  await rename(tmp, path);
}

export async function saveCheckpoint(dir: string, input: SaveCheckpointInput): Promise<void> {
  const { model, tokenizer, trainer } = input;
  await mkdir(dir, { recursive: true });
  // a folder being rewritten is incomplete until the new config.json lands
  await rm(join(dir, 'config.json'), { force: true });
  const tensors: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
  for (const p of model.parameters()) tensors[p.name] = { dtype: 'F32', shape: p.shape, data: p.data };
  await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: CHECKPOINT_FORMAT });
  await writeJsonAtomic(join(dir, 'tokenizer.json'), tokenizer.toJSON());
  if (trainer) {
    const st = trainer.state();
    const n = model.size;
    await writeSafetensors(join(dir, 'optimizer.safetensors'), {
      m: { dtype: 'F32', shape: [n], data: st.m },
      v: { dtype: 'F32', shape: [n], data: st.v },
      grad: { dtype: 'F32', shape: [n], data: st.grad },
    }, { format: CHECKPOINT_FORMAT });
    await writeJsonAtomic(join(dir, 'trainer.json'), { step: st.step, microStep: st.microStep, config: st.config, rng: st.rng });
  } else {
    await rm(join(dir, 'optimizer.safetensors'), { force: true });
    await rm(join(dir, 'trainer.json'), { force: true });
  }
  await writeJsonAtomic(join(dir, 'config.json'), {
    format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, model: { ...model.config }, meta: input.meta ?? {},
  });
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CheckpointError(file, '(file)', `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new CheckpointError(file, '(file)', `not valid JSON: ${(e as Error).message}`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseModelConfig(file: string, raw: unknown): ModelConfig {
  if (!isRecord(raw)) throw new CheckpointError(file, 'model', 'missing or not an object');
  const out: Record<string, number> = {};
  for (const k of ['vocabSize', 'dModel', 'layers', 'heads', 'context'] as const) {
    const v = raw[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new CheckpointError(file, `model.${k}`, `must be a positive integer, got ${JSON.stringify(v)}`);
    }
    out[k] = v;
  }
  if (out.dModel! % out.heads! !== 0) throw new CheckpointError(file, 'model.heads', `does not divide dModel ${out.dModel}`);
  if (raw.valueHead !== undefined && typeof raw.valueHead !== 'boolean') {
    throw new CheckpointError(file, 'model.valueHead', 'must be a boolean');
  }
  return {
    vocabSize: out.vocabSize!, dModel: out.dModel!, layers: out.layers!, heads: out.heads!, context: out.context!,
    ...(raw.valueHead ? { valueHead: true } : {}),
  };
}

async function readTensors(file: string): Promise<Record<string, { dtype: string; shape: number[]; data: unknown }>> {
  try {
    await stat(file);
  } catch {
    throw new CheckpointError(file, '(file)', 'missing');
  }
  try {
    return (await readSafetensors(file)).tensors;
  } catch (e) {
    throw new CheckpointError(file, '(file)', (e as Error).message);
  }
}

function f32Tensor(file: string, tensors: Record<string, { dtype: string; shape: number[]; data: unknown }>, name: string, shape: number[]): Float32Array {
  const t = tensors[name];
  if (!t) throw new CheckpointError(file, name, 'tensor missing');
  if (t.dtype !== 'F32') throw new CheckpointError(file, name, `dtype ${t.dtype}, expected F32`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new CheckpointError(file, name, `shape [${t.shape.join(', ')}], expected [${shape.join(', ')}] from config.json`);
  }
  return t.data as Float32Array;
}

export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const configFile = join(dir, 'config.json');
  const cfg = await readJson(configFile);
  if (!isRecord(cfg)) throw new CheckpointError(configFile, '(file)', 'not a JSON object');
  if (cfg.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(configFile, 'format', `expected "${CHECKPOINT_FORMAT}", got ${JSON.stringify(cfg.format)}`);
  }
  if (cfg.version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(configFile, 'version', `unsupported version ${JSON.stringify(cfg.version)} (this build reads ${CHECKPOINT_VERSION})`);
  }
  const config = parseModelConfig(configFile, cfg.model);
  const meta = isRecord(cfg.meta) ? (cfg.meta as CheckpointMeta) : {};

  const tokFile = join(dir, 'tokenizer.json');
  let tokenizer: Tokenizer;
  try {
    tokenizer = Tokenizer.fromJSON(await readJson(tokFile), tokFile);
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(tokFile, '(tokenizer)', (e as Error).message);
  }
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new CheckpointError(tokFile, 'vocabSize', `tokenizer has ${tokenizer.vocabSize} tokens, the model in config.json only ${config.vocabSize}`);
  }

  const weightsFile = join(dir, 'model.safetensors');
  const tensors = await readTensors(weightsFile);
  const { specs, total } = layoutOf(config);
  const params = new Float32Array(total);
  for (const s of specs) params.set(f32Tensor(weightsFile, tensors, s.name, s.shape), s.offset);
  const known = new Set(specs.map((s) => s.name));
  for (const name of Object.keys(tensors)) {
    if (!known.has(name)) throw new CheckpointError(weightsFile, name, 'unexpected tensor for the model in config.json');
  }
  for (let i = 0; i < params.length; i++) {
    if (!Number.isFinite(params[i]!)) {
      const s = specs.find((sp) => i >= sp.offset && i < sp.offset + sp.size)!;
      throw new CheckpointError(weightsFile, s.name, `non-finite value at index ${i - s.offset}`);
    }
  }
  const model = Transformer.fromParams(config, params);

  const trainerFile = join(dir, 'trainer.json');
  let trainerState: TrainerState | undefined;
  let hasTrainer = true;
  try { await stat(trainerFile); } catch { hasTrainer = false; }
  if (hasTrainer) {
    const tj = await readJson(trainerFile);
    if (!isRecord(tj)) throw new CheckpointError(trainerFile, '(file)', 'not a JSON object');
    for (const k of ['step', 'microStep'] as const) {
      if (typeof tj[k] !== 'number' || !Number.isInteger(tj[k]) || (tj[k] as number) < 0) {
        throw new CheckpointError(trainerFile, k, `must be a non-negative integer, got ${JSON.stringify(tj[k])}`);
      }
    }
    if (!Array.isArray(tj.rng) || tj.rng.length !== 4 || tj.rng.some((x) => typeof x !== 'number')) {
      throw new CheckpointError(trainerFile, 'rng', 'must be an array of 4 numbers');
    }
    if (!isRecord(tj.config)) throw new CheckpointError(trainerFile, 'config', 'missing or not an object');
    const optFile = join(dir, 'optimizer.safetensors');
    const ot = await readTensors(optFile);
    trainerState = {
      step: tj.step as number,
      microStep: tj.microStep as number,
      config: tj.config as unknown as TrainConfig,
      rng: tj.rng as number[],
      m: f32Tensor(optFile, ot, 'm', [total]).slice(),
      v: f32Tensor(optFile, ot, 'v', [total]).slice(),
      grad: f32Tensor(optFile, ot, 'grad', [total]).slice(),
    };
  }
  return { model, tokenizer, ...(trainerState ? { trainerState } : {}), meta };
}
