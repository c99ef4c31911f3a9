import type { Command } from 'commander';

// Placeholder: the `pretrain` command is registered here once its issue lands.
export function registerPretrain(program: Command): void {
  void program;
}
