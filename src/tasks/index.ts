export * from './types.js';
export { loadTasks, detectFormat, formatOfRecord, TASK_FORMATS, type TaskFormat, type LoadTasksOptions } from './load.js';
export { TaskFormatError, readText, readRecords, parseJsonLines, type SourceRecord } from './read.js';
export { writeMbppJsonl, mbppRecord, mbppSplit } from './formats/mbpp.js';
export { taskLookup, type TaskLookup } from './lookup.js';
export { HUMANEVAL_STOP, JAVASCRIPT_STOP } from './formats/humaneval.js';
export * from './builtin/index.js';
