import type { Command } from 'commander';
import { UserError } from '../errors.js';

const KINDS = ['syntax-match', 'dataflow-match', 'codebleu', 'exec-binary', 'exec-fraction', 'exec-errortype', 'exec-adaptive', 'compile'] as const;
type Kind = (typeof KINDS)[number];

interface RewardOptions {
  kind: string;
  lang: string;
  candidate: string;
  reference?: string;
  tests?: string;
  json?: boolean;
  emptyReference?: string;
  isolation?: string;
}

/** `verdict reward`: score one candidate program with one reward. See docs/rewards.md. */
export function registerReward(program: Command): void {
  program
    .command('reward')
    .description('Score a candidate program with one reward (syntax/data-flow match, CodeBLEU, execution rewards, compile).')
    .requiredOption('--kind <kind>', KINDS.join(' | '))
    .requiredOption('--lang <language>', 'python or javascript')
    .requiredOption('--candidate <file>', 'candidate program')
    .option('--reference <file>', 'reference program (needed by syntax-match, dataflow-match, codebleu)')
    .option('--tests <file>', 'tests for exec-* kinds: .json TestSpec (or task with "tests"); else Python assert lines / JavaScript test code')
    .option('--empty-reference <policy>', 'data-flow match when the reference has no data flow: exclude (null) | one | zero', 'exclude')
    .option('--isolation <mode>', 'sandbox isolation for exec-* and compile: auto or strict', 'auto')
    .option('--json', 'last line {"score": ..., "components": {...}}')
    .action(async (opts: RewardOptions) => {
      const { readFile } = await import('node:fs/promises');
      if (!KINDS.includes(opts.kind as Kind)) throw new UserError(`--kind must be one of ${KINDS.join(', ')} (got ${JSON.stringify(opts.kind)})`);
      const kind = opts.kind as Kind;
      if (opts.lang !== 'python' && opts.lang !== 'javascript') throw new UserError(`--lang must be python or javascript (got ${JSON.stringify(opts.lang)})`);
      const lang = opts.lang;
      if (!['exclude', 'one', 'zero'].includes(opts.emptyReference ?? 'exclude')) {
        throw new UserError(`--empty-reference must be exclude, one or zero (got ${JSON.stringify(opts.emptyReference)})`);
      }
      if (opts.isolation !== 'auto' && opts.isolation !== 'strict') throw new UserError(`--isolation must be auto or strict (got ${JSON.stringify(opts.isolation)})`);
      const read = async (path: string, what: string) => {
        try {
          return await readFile(path, 'utf8');
        } catch (e) {
          throw new UserError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
      };
      const candidate = await read(opts.candidate, '--candidate file');
      const reference = opts.reference !== undefined ? await read(opts.reference, '--reference file') : undefined;
      let score: number | null;
      let components: Record<string, number | null>;
      let exitCode = 0;
      const R = await import('../../rewards/index.js');
      if (kind === 'syntax-match' || kind === 'dataflow-match' || kind === 'codebleu') {
        if (reference === undefined) throw new UserError(`--kind ${kind} needs --reference FILE`);
        const emptyReference = opts.emptyReference as 'exclude' | 'one' | 'zero';
        if (kind === 'syntax-match') {
          const r = await R.syntaxMatch(candidate, reference, lang);
          score = r.score;
          components = { syntaxMatch: r.score, matchedSubtrees: r.matched, referenceSubtrees: r.total };
        } else if (kind === 'dataflow-match') {
          const r = await R.dataflowMatch(candidate, reference, lang, { emptyReference });
          score = r.score;
          components = { dataflowMatch: r.score, matchedEdges: r.matched, referenceEdges: r.total };
        } else {
          const r = await R.codeBleu(candidate, reference, lang, { emptyReference });
          score = r.codebleu;
          components = { bleu: r.bleu, weightedBleu: r.weightedBleu, syntaxMatch: r.syntaxMatch, dataflowMatch: r.dataflowMatch };
        }
      } else {
        const S = await import('../../rewards/cli-support.js');
        const { createExecutor } = await import('../../exec/index.js');
        const ex = await createExecutor({ workers: 1, cache: false, isolation: opts.isolation, onWarning: (m) => process.stderr.write(m + '\n') });
        try {
          if (kind === 'compile') {
            const c = await S.compilesInSandbox(ex, candidate, lang);
            if (!opts.json) process.stderr.write(`[compile] ${c.detail}\n`);
            if (c.compiled === null) {
              score = null;
              components = { compile: null };
              exitCode = 2;
            } else {
              const r = R.compileReward(c.compiled);
              score = r.score;
              components = r.components;
            }
          } else {
            if (opts.tests === undefined) throw new UserError(`--kind ${kind} needs --tests FILE`);
            let spec;
            try {
              spec = S.testsFromFile(await read(opts.tests, '--tests file'), opts.tests, lang);
            } catch (e) {
              if (e instanceof UserError) throw e;
              throw new UserError((e as Error).message);
            }
            const task = S.cliTask(lang, reference ?? '', spec.tests, spec.entryPoint);
            const verdict = await ex.judge({ task, completion: candidate });
            const r =
              kind === 'exec-binary'
                ? R.binaryReward(verdict)
                : kind === 'exec-fraction'
                  ? R.passFractionReward(verdict)
                  : kind === 'exec-errortype'
                    ? R.errorTypeReward(verdict)
                    : R.adaptiveReward(verdict);
            score = r.score;
            components = { ...r.components, passRatio: R.passRatio(verdict) };
            if (!opts.json) {
              const where = verdict.errorLine !== undefined ? ` at line ${verdict.errorLine}` : '';
              process.stderr.write(`[${verdict.status}]${verdict.errorType ? ' ' + verdict.errorType : ''}${where}${verdict.message ? ': ' + verdict.message : ''}\n`);
            }
            if (r.skip) exitCode = 2;
          }
        } finally {
          await ex.close();
        }
      }
      if (opts.json) process.stdout.write(JSON.stringify({ score, components }) + '\n');
      else {
        process.stdout.write(`${kind}: ${score === null ? 'n/a' : score.toFixed(4)}\n`);
        for (const [k, v] of Object.entries(components)) process.stdout.write(`  ${k}: ${v === null ? 'n/a' : Number.isInteger(v) ? v : v.toFixed(4)}\n`);
      }
      process.exitCode = exitCode;
    });
}
