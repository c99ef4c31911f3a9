/** Evaluation: pass@k, verdict breakdown, compile rate, and the `verdict eval` core. */
export { passAtK, estimatePassAtK, type ProblemCounts, type PassAtKReport } from './passk.js';
export { summarize, type EvalSummary, type JudgedSample, type BreakdownRow } from './metrics.js';
export { readSamples, type LoadedSample } from './samples.js';
export { evaluateSamples, EvalInterrupted, type EvaluateOptions, type EvaluateResult } from './run.js';
export { humanEvalResult, resultRecord, readPriorResults, ResultsWriter, sortResultsFile } from './results.js';
export { reportJson, reportTable } from './report.js';
export { runEvalCommand, inFlightFor, parseKs, timeoutLimits, createSandboxExecutor, EvalInputError, type EvalCommandOptions } from './command.js';
