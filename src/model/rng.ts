/**
 * Seeded PRNG (xoshiro128**, state seeded by splitmix32). Deterministic across platforms;
 * the engine never uses Math.random. state()/setState() make exact resume possible.
 */
export class Rng {
  private s: Uint32Array;

  constructor(seed: number) {
    this.s = new Uint32Array(4);
    let x = (seed >>> 0) ^ 0x9e3779b9;
    for (let i = 0; i < 4; i++) {
      // splitmix32
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if ((this.s[0]! | this.s[1]! | this.s[2]! | this.s[3]!) === 0) this.s[0] = 1;
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const s0 = s[0]!, s1 = s[1]!, s2 = s[2]!, s3 = s[3]!;
    const r = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    const n2 = (s2 ^ s0) >>> 0;
    const n3 = (s3 ^ s1) >>> 0;
    const n1 = (s1 ^ n2) >>> 0;
    const n0 = (s0 ^ n3) >>> 0;
    s[0] = n0; s[1] = n1; s[2] = (n2 ^ t) >>> 0; s[3] = rotl(n3, 11);
    return r;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Standard normal (Box-Muller, one value per call for simple state). */
  normal(): number {
    let u = this.uniform();
    if (u < 1e-12) u = 1e-12;
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  state(): number[] {
    return Array.from(this.s);
  }

  setState(state: readonly number[]): void {
    if (state.length !== 4) throw new Error(`rng state must have 4 words, got ${state.length}`);
    for (let i = 0; i < 4; i++) this.s[i] = state[i]! >>> 0;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
