import type { Command } from 'commander';

// Placeholder: the `expert-iteration` command is registered here once its issue lands.
export function registerExpertIteration(program: Command): void {
  void program;
}
