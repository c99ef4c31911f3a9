import type { Command } from 'commander';

// Placeholder: the `reward` command is registered here once its issue lands.
export function registerReward(program: Command): void {
  void program;
}
