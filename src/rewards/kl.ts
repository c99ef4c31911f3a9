/**
 * KL penalty (Ziegler et al. 2019; PPOCoder). Per-token estimators of KL(p_theta || p_ref) from
 * r = log p_theta - log p_ref of the sampled tokens: k1 = r, k2 = r^2 / 2, k3 = (e^-r - 1) + r.
 */

export type KLEstimator = 'k1' | 'k2' | 'k3';

export function klEstimate(logp: number, logpRef: number, estimator: KLEstimator = 'k1'): number {
  const r = logp - logpRef;
  switch (estimator) {
    case 'k1':
      return r;
    case 'k2':
      return (r * r) / 2;
    case 'k3':
      return Math.expm1(-r) + r;
  }
}

/** Per-token estimates. */
export function klPerToken(logp: ArrayLike<number>, logpRef: ArrayLike<number>, estimator: KLEstimator = 'k1'): Float64Array {
  if (logp.length !== logpRef.length) throw new Error(`klPerToken: ${logp.length} log-probs vs ${logpRef.length} reference log-probs`);
  const out = new Float64Array(logp.length);
  for (let i = 0; i < out.length; i++) out[i] = klEstimate(logp[i]!, logpRef[i]!, estimator);
  return out;
}

/** Per-token KL reward -beta * k (PPOCoder puts it on every token). */
export function klPenalty(logp: ArrayLike<number>, logpRef: ArrayLike<number>, beta: number, estimator: KLEstimator = 'k1'): Float64Array {
  const k = klPerToken(logp, logpRef, estimator);
  for (let i = 0; i < k.length; i++) k[i] = -beta * k[i]!;
  return k;
}

export interface KLController {
  readonly value: number;
  /** After a batch: observed KL (per sequence, mean over the batch) and the number of samples in it. */
  update(observedKL: number, nSteps: number): void;
}

export class FixedKLController implements KLController {
  constructor(readonly value: number) {}
  update(): void {}
}

/**
 * Adaptive controller (Ziegler et al.; PPOCoder): e = clip(KL / target - 1, -0.2, 0.2),
 * beta <- beta * (1 + e * nSteps / horizon). Defaults: PPOCoder's run script (kl_coef 0.1,
 * kl_target 1) and Ziegler's horizon 10,000.
 */
export class AdaptiveKLController implements KLController {
  value: number;
  constructor(
    init = 0.1,
    readonly target = 1,
    readonly horizon = 10_000,
  ) {
    if (!(target > 0) || !(horizon > 0)) throw new Error('AdaptiveKLController: target and horizon must be positive');
    this.value = init;
  }
  update(observedKL: number, nSteps: number): void {
    const e = Math.min(0.2, Math.max(-0.2, observedKL / this.target - 1));
    this.value *= 1 + (e * nSteps) / this.horizon;
  }
}
