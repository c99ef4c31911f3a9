/**
 * What both servers share: a Fastify app with schema validation (no type coercion), errors in
 * OpenAI's shape ({error: {message, type, code}}), 404s in the same shape, and a shutdown that
 * finishes requests in flight while closing keep-alive connections behind them.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';

/** An error answered to the client with its own status code, in OpenAI's error shape. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly headers: Record<string, string> = {},
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface AppOptions {
  bodyLimitBytes: number;
  logger?: boolean;
}

export interface App {
  app: FastifyInstance;
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

export function createApp(opts: AppOptions): App {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimitBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, allowUnionTypes: true } },
  });

  app.setErrorHandler((err: FastifyError | HttpError, _req, reply) => {
    if (err instanceof HttpError) {
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      return reply.code(err.statusCode).send({ error: { message: err.message, type: err.type, code: err.code ?? err.statusCode } });
    }
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    let message = err.message;
    if (err.validation) message = `invalid request body: ${err.message}`;
    else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') message = `request body exceeds the limit of ${opts.bodyLimitBytes} bytes`;
    else if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) message = `malformed JSON body: ${err.message}`;
    if (status >= 500) app.log.error(err);
    return reply.code(status).send({ error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', code: status } });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: { message: `no route ${req.method} ${req.url}`, type: 'invalid_request_error', code: 404 } });
  });

  // While shutting down, answers close their connection so keep-alive sockets do not hold close() up.
  let closing = false;
  app.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  return {
    app,
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen({ port, host });
      const addr = app.server.address();
      if (!addr || typeof addr === 'string') throw new Error('server has no TCP address');
      const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      return `http://${h}:${addr.port}`;
    },
    close() {
      closing = true;
      return app.close();
    },
  };
}
