/**
 * Parameter layout: every tensor of the model is a view into one flat Float32Array, so AdamW,
 * gradient clipping and checkpoints work on a single contiguous buffer.
 */
import type { ModelConfig } from './types.js';

export interface TensorSpec {
  name: string;
  shape: number[];
  offset: number;
  size: number;
  /** Receives decoupled weight decay (matrices only). */
  decay: boolean;
}

export interface LayerViews {
  ln1g: Float32Array; ln1b: Float32Array;
  qkvW: Float32Array; qkvB: Float32Array;
  projW: Float32Array; projB: Float32Array;
  ln2g: Float32Array; ln2b: Float32Array;
  fcW: Float32Array; fcB: Float32Array;
  fcProjW: Float32Array; fcProjB: Float32Array;
}

export interface ParamViews {
  wte: Float32Array;
  wpe: Float32Array;
  layers: LayerViews[];
  lnfg: Float32Array; lnfb: Float32Array;
  valueW: Float32Array | null; valueB: Float32Array | null;
}

export function validateConfig(config: ModelConfig): void {
  const ints: (keyof ModelConfig)[] = ['vocabSize', 'dModel', 'layers', 'heads', 'context'];
  for (const k of ints) {
    const v = config[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new Error(`model config: ${k} must be a positive integer, got ${JSON.stringify(v)}`);
    }
  }
  if (config.dModel % config.heads !== 0) {
    throw new Error(`model config: dModel (${config.dModel}) must be divisible by heads (${config.heads})`);
  }
}

export function layoutOf(config: ModelConfig): { specs: TensorSpec[]; total: number } {
  validateConfig(config);
  const C = config.dModel;
  const specs: TensorSpec[] = [];
  let offset = 0;
  const add = (name: string, shape: number[], decay: boolean): void => {
    const size = shape.reduce((a, b) => a * b, 1);
    specs.push({ name, shape, offset, size, decay });
    offset += size;
  };
  add('wte', [config.vocabSize, C], false);
  add('wpe', [config.context, C], false);
  for (let l = 0; l < config.layers; l++) {
    const p = `h.${l}.`;
    add(p + 'ln_1.weight', [C], false);
    add(p + 'ln_1.bias', [C], false);
    add(p + 'attn.c_attn.weight', [3 * C, C], true);
    add(p + 'attn.c_attn.bias', [3 * C], false);
    add(p + 'attn.c_proj.weight', [C, C], true);
    add(p + 'attn.c_proj.bias', [C], false);
    add(p + 'ln_2.weight', [C], false);
    add(p + 'ln_2.bias', [C], false);
    add(p + 'mlp.c_fc.weight', [4 * C, C], true);
    add(p + 'mlp.c_fc.bias', [4 * C], false);
    add(p + 'mlp.c_proj.weight', [C, 4 * C], true);
    add(p + 'mlp.c_proj.bias', [C], false);
  }
  add('ln_f.weight', [C], false);
  add('ln_f.bias', [C], false);
  if (config.valueHead) {
    add('value.weight', [1, C], true);
    add('value.bias', [1], false);
  }
  return { specs, total: offset };
}

/** Views of a flat buffer (parameters or gradients) by the layout. */
export function viewsOf(config: ModelConfig, flat: Float32Array): ParamViews {
  const { specs } = layoutOf(config);
  const byName = new Map(specs.map((s) => [s.name, s]));
  const v = (name: string): Float32Array => {
    const s = byName.get(name)!;
    return flat.subarray(s.offset, s.offset + s.size);
  };
  const layers: LayerViews[] = [];
  for (let l = 0; l < config.layers; l++) {
    const p = `h.${l}.`;
    layers.push({
      ln1g: v(p + 'ln_1.weight'), ln1b: v(p + 'ln_1.bias'),
      qkvW: v(p + 'attn.c_attn.weight'), qkvB: v(p + 'attn.c_attn.bias'),
      projW: v(p + 'attn.c_proj.weight'), projB: v(p + 'attn.c_proj.bias'),
      ln2g: v(p + 'ln_2.weight'), ln2b: v(p + 'ln_2.bias'),
      fcW: v(p + 'mlp.c_fc.weight'), fcB: v(p + 'mlp.c_fc.bias'),
      fcProjW: v(p + 'mlp.c_proj.weight'), fcProjB: v(p + 'mlp.c_proj.bias'),
    });
  }
  return {
    wte: v('wte'), wpe: v('wpe'), layers,
    lnfg: v('ln_f.weight'), lnfb: v('ln_f.bias'),
    valueW: config.valueHead ? v('value.weight') : null,
    valueB: config.valueHead ? v('value.bias') : null,
  };
}
