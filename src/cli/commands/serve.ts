import type { Command } from 'commander';

// Placeholder: the `serve` command is registered here once its issue lands.
export function registerServe(program: Command): void {
  void program;
}
