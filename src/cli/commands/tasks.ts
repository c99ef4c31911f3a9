import type { Command } from 'commander';

// Placeholder: the `tasks` command is registered here once its issue lands.
export function registerTasks(program: Command): void {
  void program;
}
