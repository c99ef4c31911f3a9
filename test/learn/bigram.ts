/**
 * A stand-in for the engine in learner tests: a character bigram model trained by counting
 * (loss = mean negative log-likelihood under add-one smoothing of the counts so far). Checkpoints
 * are JSON. Enough to test the training loops' plumbing: packing, weights, checkpoints, resume.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { terminateCompletion, type NewModelSpec, type TrainableModel, type TrainOptions, type WeightedSequence } from '../../src/learn/engine.js';

export class BigramModel implements TrainableModel {
  steps = 0;
  constructor(
    readonly contextLength: number,
    private counts: Record<string, number> = {},
  ) {}
  encode(text: string): number[] {
    return [...text].map((ch) => Math.min(255, ch.charCodeAt(0)));
  }
  terminate(completion: string): string {
    return terminateCompletion(completion);
  }
  private nll(batch: readonly WeightedSequence[]): number {
    let sum = 0;
    let n = 0;
    for (const s of batch) {
      for (let i = 1; i < s.tokens.length; i++) {
        const w = s.weights[i]!;
        if (!w) continue;
        const row = this.counts[`${s.tokens[i - 1]}`] ?? 0;
        const pair = this.counts[`${s.tokens[i - 1]},${s.tokens[i]}`] ?? 0;
        sum += -Math.log((pair + 1) / (row + 256)) * w;
        n += w;
      }
    }
    return n ? sum / n : 0;
  }
  async trainStep(batch: readonly WeightedSequence[], learningRate: number): Promise<number> {
    void learningRate;
    const loss = this.nll(batch);
    for (const s of batch) {
      for (let i = 1; i < s.tokens.length; i++) {
        if (!s.weights[i]) continue;
        const a = `${s.tokens[i - 1]}`;
        this.counts[a] = (this.counts[a] ?? 0) + 1;
        const ab = `${a},${s.tokens[i]}`;
        this.counts[ab] = (this.counts[ab] ?? 0) + 1;
      }
    }
    this.steps++;
    return loss;
  }
  async evalLoss(batch: readonly WeightedSequence[]): Promise<number> {
    return this.nll(batch);
  }
  async save(dir: string, record?: Record<string, unknown>): Promise<void> {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'bigram.json'), JSON.stringify({ contextLength: this.contextLength, counts: this.counts, steps: this.steps, record }));
  }
}

export const bigramEngine = {
  created: 0,
  opened: 0,
  async createTrainable(spec: NewModelSpec): Promise<TrainableModel> {
    bigramEngine.created++;
    return new BigramModel(spec.contextLength);
  },
  async openCheckpoint(dir: string, options: TrainOptions): Promise<TrainableModel> {
    void options;
    bigramEngine.opened++;
    const j = JSON.parse(await readFile(join(dir, 'bigram.json'), 'utf8')) as { contextLength: number; counts: Record<string, number>; steps: number };
    const m = new BigramModel(j.contextLength, j.counts);
    m.steps = j.steps;
    return m;
  },
};
