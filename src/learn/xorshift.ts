/**
 * The small seeded random streams the learning loops use for data order (task subsets, kept
 * programs, SFT epochs, pretraining windows): xorshift32, so a run depends only on its seed.
 */

/** Uniform numbers in [0, 1) from xorshift32 started at `state` (0 is replaced by 1). */
export function xorshift32(state: number): () => number {
  let s = state >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** A Fisher-Yates shuffled copy of `items`, drawing from `next`. */
export function shuffleWith<T>(items: readonly T[], next: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
