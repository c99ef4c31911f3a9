import type { Command } from 'commander';

// Placeholder: the `eval` command is registered here once its issue lands.
export function registerEval(program: Command): void {
  void program;
}
