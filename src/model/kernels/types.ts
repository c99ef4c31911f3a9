/**
 * The kernel interface of the transformer engine.
 *
 * Two implementations: `ts.ts` (pure TypeScript, the readable reference) and the C++ N-API addon in
 * `native/` (multithreaded, SIMD). `index.ts` loads the addon when present and merges it over the
 * TypeScript kernels, so the addon may implement any subset: a kernel it lacks runs in TypeScript.
 *
 * Conventions: every tensor is a row-major Float32Array; "rows" is the number of independent
 * vectors (batch x time). Outputs are overwritten unless the name or a flag says "accumulate"
 * (gradients of parameters always accumulate, so gradient accumulation is free).
 * Int32Array holds token ids; a target of -1 means "ignore this position".
 */
/** The parameters of one pre-LayerNorm transformer block (as `LayerViews` in ../layout.ts). */
export interface BlockWeights {
  readonly ln1g: Float32Array; readonly ln1b: Float32Array;
  /** [3C, C] and [3C] */
  readonly qkvW: Float32Array; readonly qkvB: Float32Array;
  /** [C, C] and [C] */
  readonly projW: Float32Array; readonly projB: Float32Array;
  readonly ln2g: Float32Array; readonly ln2b: Float32Array;
  /** [4C, C] and [4C] */
  readonly fcW: Float32Array; readonly fcB: Float32Array;
  /** [C, 4C] and [C] */
  readonly fcProjW: Float32Array; readonly fcProjB: Float32Array;
}

export interface Kernels {
  readonly name: 'native' | 'typescript';

  /**
   * out[M,N] = (accumulate ? out : 0) + op(a) · op(b)
   * a is [M,K] (or [K,M] when transA), b is [K,N] (or [N,K] when transB).
   */
  matmul(
    out: Float32Array, a: Float32Array, b: Float32Array,
    M: number, N: number, K: number,
    transA: boolean, transB: boolean, accumulate: boolean,
  ): void;

  /** out[rows,outDim] = x[rows,inDim] · w[outDim,inDim]ᵀ + bias (bias may be null). */
  linearForward(
    out: Float32Array, x: Float32Array, w: Float32Array, bias: Float32Array | null,
    rows: number, inDim: number, outDim: number,
  ): void;

  /**
   * Backward of linearForward. dx is overwritten (skipped when null); dw and dbias accumulate.
   */
  linearBackward(
    dx: Float32Array | null, dw: Float32Array, dbias: Float32Array | null,
    dout: Float32Array, x: Float32Array, w: Float32Array,
    rows: number, inDim: number, outDim: number,
  ): void;

  /** out = (x - mean) * rstd * gamma + beta per row; saves mean[rows] and rstd[rows]. */
  layerNormForward(
    out: Float32Array, mean: Float32Array, rstd: Float32Array,
    x: Float32Array, gamma: Float32Array, beta: Float32Array,
    rows: number, dim: number, eps: number,
  ): void;

  /** dx accumulates (residual stream); dgamma, dbeta accumulate. */
  layerNormBackward(
    dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array,
    dout: Float32Array, x: Float32Array, mean: Float32Array, rstd: Float32Array, gamma: Float32Array,
    rows: number, dim: number,
  ): void;

  /** GELU, tanh approximation (as GPT-2). */
  geluForward(out: Float32Array, x: Float32Array, n: number): void;
  /** dx = dout * gelu'(x) (overwritten). */
  geluBackward(dx: Float32Array, dout: Float32Array, x: Float32Array, n: number): void;

  /**
   * Causal multi-head self-attention over a fused qkv tensor.
   * qkv: [B, T, 3C] laid out as (q | k | v), each C = H * headDim; out: [B, T, C];
   * probs: [B, H, T, T] softmax probabilities, saved for the backward pass (upper triangle zero).
   * Padding is handled by the caller: sequences are right-padded, and causal attention never lets a
   * real position see a later padding position.
   */
  attentionForward(
    out: Float32Array, probs: Float32Array, qkv: Float32Array,
    B: number, T: number, C: number, H: number,
  ): void;

  /** dqkv overwritten. */
  attentionBackward(
    dqkv: Float32Array, dout: Float32Array, qkv: Float32Array, probs: Float32Array,
    B: number, T: number, C: number, H: number,
  ): void;

  /**
   * One decoding step of causal attention against a KV cache (sampling), for m sequences at once.
   * qkv: [m, 3C] this step's fused projections (only the q part, columns 0..C, is read);
   * kCache, vCache: [slots, H, maxT, hd] (hd = C / H); row r attends to positions
   * 0 .. lengths[r]-1 of cache slot slots[r] (the caller has already written this step's k and v
   * at position lengths[r]-1). out: [m, C] (overwritten). Added after the first interface; the
   * TypeScript version is the reference.
   */
  attentionDecode(
    out: Float32Array, qkv: Float32Array, kCache: Float32Array, vCache: Float32Array,
    slots: Int32Array, lengths: Int32Array, m: number, C: number, H: number, maxT: number,
  ): void;

  /**
   * One transformer block for one decoding step of m sequences (KV-cache sampling), in place:
   *   x += proj(attn(ln1(x)));  x += fcProj(gelu(fc(ln2(x))))        x: [m, C]
   * Row r is at position positions[r] of cache slot slots[r] (slots distinct): its k and v are
   * written there (caches laid out as for attentionDecode), then it attends to positions
   * 0..positions[r]. scratch: at least m * (10C + 2) elements, contents undefined afterwards.
   * packed: at least 12C² + 128C elements, a copy of the weight matrices in whatever layout the
   * implementation multiplies fastest with (the native one: its matrix-product panels); pass
   * repack = true on the first call for these weights (and whenever they changed), then the same
   * buffer with repack = false for later steps. Equal (up to float rounding) to layerNormForward,
   * linearForward, attentionDecode, linearForward, ... called one by one, which is what the
   * TypeScript version does (it ignores packed); the native one runs each chunk of rows through the
   * whole block on one thread. Added after the first interface.
   */
  decodeBlock(
    x: Float32Array, w: BlockWeights, kCache: Float32Array, vCache: Float32Array,
    slots: Int32Array, positions: Int32Array, m: number, C: number, H: number, maxT: number,
    eps: number, scratch: Float32Array, packed: Float32Array, repack: boolean,
  ): void;

  /**
   * Fused softmax cross-entropy over logits [rows, V].
   * losses[r] = -log softmax(logits[r])[targets[r]]  (0 where targets[r] < 0)
   * dlogits (when not null) = weights[r] * (softmax(logits[r]) - onehot(targets[r]))  (0 rows where targets[r] < 0)
   * weights null means 1 for every row. Returns the sum of weights[r] * losses[r].
   */
  softmaxCrossEntropy(
    losses: Float32Array, dlogits: Float32Array | null,
    logits: Float32Array, targets: Int32Array, weights: Float32Array | null,
    rows: number, V: number,
  ): number;

  /** out[r] = log softmax(logits[r]) over V columns. */
  logSoftmax(out: Float32Array, logits: Float32Array, rows: number, V: number): void;

  /**
   * out[r] = softmax(scale * logits[r]) over V columns (scale > 0: sampling at temperature
   * 1 / scale). out may be logits. Added after the first interface.
   */
  softmax(out: Float32Array, logits: Float32Array, rows: number, V: number, scale: number): void;

  /**
   * AdamW step on one parameter tensor (decoupled weight decay, bias-corrected moments).
   * step is 1-based.
   */
  adamw(
    param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, n: number,
    lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number,
  ): void;
}

/** The subset the native addon may provide; everything else falls back to TypeScript. */
export type NativeKernels = Partial<Omit<Kernels, 'name'>>;
