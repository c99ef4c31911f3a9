/**
 * Graceful shutdown for the CLI servers: on SIGINT / SIGTERM stop accepting, finish what is in
 * flight, release resources, exit 0. A second signal exits at once (status 130).
 */
export function onShutdown(name: string, close: () => Promise<void>, log: (line: string) => void = (l) => console.error(l)): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log(`${name}: second ${signal}, exiting now`);
      process.exit(130);
    }
    stopping = true;
    log(`${name}: ${signal} received, finishing requests in flight (send it again to exit at once)`);
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        log(`${name}: error while shutting down: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
