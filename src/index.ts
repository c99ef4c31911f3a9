/** Verdict's library surface: one namespace per concern, in the order data flows. */
export * as tasks from './tasks/index.js';
export * as exec from './exec/index.js';
export * as rewards from './rewards/index.js';
export * as model from './model/index.js';
export * as policy from './policy/index.js';
export * as learn from './learn/index.js';
export * as evaluation from './eval/index.js';
export * as serve from './serve/index.js';
