import type { Command } from 'commander';

// Placeholder: the `run` command is registered here once its issue lands.
export function registerRun(program: Command): void {
  void program;
}
