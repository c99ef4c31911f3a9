/**
 * pass@k by the unbiased estimator of Chen et al. (2021).
 *
 * For one problem with n samples of which c pass: pass@k = 1 − C(n−c, k) / C(n, k), computed in
 * the numerically stable product form 1 − Π_{i=n−c+1..n} (1 − k/i), and exactly 1 when n − c < k
 * (every k-subset contains a passing sample). The benchmark figure is the mean over problems.
 */

/** Unbiased pass@k for one problem. Requires integers 0 ≤ c ≤ n and 1 ≤ k ≤ n. */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k)) {
    throw new RangeError(`pass@k needs integers (n=${n}, c=${c}, k=${k})`);
  }
  if (c < 0 || c > n) throw new RangeError(`pass@k needs 0 <= c <= n (n=${n}, c=${c})`);
  if (k < 1 || k > n) throw new RangeError(`pass@k needs 1 <= k <= n (n=${n}, k=${k})`);
  if (n - c < k) return 1;
  let prod = 1;
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i;
  return 1 - prod;
}

/** Samples judged and samples passed for one problem. */
export interface ProblemCounts {
  n: number;
  c: number;
}

export interface PassAtKReport {
  /** "pass@1" -> mean over problems, only for the k every problem supports. */
  values: Record<string, number>;
  /** The k that were asked for but not reported, each with the reason. */
  dropped: { k: number; reason: string }[];
}

/**
 * pass@k over problems for each requested k. A k is reported only when every problem has n ≥ k;
 * otherwise it is dropped with the reason (how many problems have fewer samples, the smallest n).
 */
export function estimatePassAtK(problems: readonly ProblemCounts[], ks: readonly number[]): PassAtKReport {
  const values: Record<string, number> = {};
  const dropped: { k: number; reason: string }[] = [];
  const sortedKs = [...new Set(ks)].sort((a, b) => a - b);
  if (problems.length === 0) {
    for (const k of sortedKs) dropped.push({ k, reason: 'no judged samples' });
    return { values, dropped };
  }
  const minN = Math.min(...problems.map((p) => p.n));
  for (const k of sortedKs) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
    const short = problems.filter((p) => p.n < k).length;
    if (short > 0) {
      dropped.push({ k, reason: `needs n >= ${k} samples for every problem; ${short} of ${problems.length} problem(s) have fewer (smallest n = ${minN})` });
      continue;
    }
    let sum = 0;
    for (const p of problems) sum += passAtK(p.n, p.c, k);
    values[`pass@${k}`] = sum / problems.length;
  }
  return { values, dropped };
}
