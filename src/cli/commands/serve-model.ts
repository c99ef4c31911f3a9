import type { Command } from 'commander';

// Placeholder: the `serve-model` command is registered here once its issue lands.
export function registerServeModel(program: Command): void {
  void program;
}
