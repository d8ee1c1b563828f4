import type { FastifyError, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { BadQuery } from '../pagination.ts';

/**
 * Every error answers JSON with `error` naming the field or object and the problem. The
 * framework's own `message` and `statusCode` stay alongside for clients that read them.
 * Server faults are logged and answered without internals.
 */
export function registerErrorAnswers(app: FastifyInstance, log: Pick<Logger, 'error'>): void {
  app.setErrorHandler((error: FastifyError | BadQuery, request, reply) => {
    if (error instanceof BadQuery) {
      return reply.code(400).send({ error: error.message, statusCode: 400, message: error.message });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      log.error({ err: error, url: request.url }, 'API request failed');
      return reply.code(status).send({ error: 'internal error; see the daemon log', statusCode: status });
    }
    const message =
      error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'body is larger than this endpoint accepts'
        : error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError
          ? `body is not valid JSON: ${error.message}`
          : error.message;
    return reply.code(status).send({ error: message, statusCode: status, message });
  });
}
