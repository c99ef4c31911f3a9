import type { Command } from 'commander';

// Placeholder: the `bench` command is registered here once its issue lands.
export function registerBench(program: Command): void {
  void program;
}
