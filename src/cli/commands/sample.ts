import type { Command } from 'commander';

// Placeholder: the `sample` command is registered here once its issue lands.
export function registerSample(program: Command): void {
  void program;
}
