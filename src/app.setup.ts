import { RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController, type FastifyBaseLogger, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import { BEARER_SCHEME } from './auth/access.decorators.js';
import { errorBody, toErrorResponse } from './common/errors/index.js';
import { AllExceptionsFilter } from './common/http/all-exceptions.filter.js';
import { installCors } from './common/http/cors.js';
import { parseJsonBody } from './common/http/json-body.parser.js';
import { routeOf } from './common/http/route-of.js';
import { JSON_CONTENT_TYPE, sendJson } from './common/http/send-json.js';
import { requestIdFor, type RequestContext } from './common/context/index.js';
import { createLogger, logRequest, NestPinoLogger } from './common/logging/index.js';
import { createValidationPipe } from './common/validation/index.js';
import { appConfig, type AppConfig } from './config/index.js';
import { MemoryReplays } from './idempotency/memory-replays.js';
import { MetricsService } from './metrics/metrics.service.js';
import { DatabaseOutageMonitor } from './database/database-outage.monitor.js';
import { GracefulShutdown } from './shutdown/graceful-shutdown.service.js';

export const API_PREFIX = 'api/v1';
/** How long the rest of a refused body is read and discarded before the connection is dropped. */
const LINGER_MS = 10_000;

/** Builds the application exactly as it serves traffic; main.ts and the e2e tests both use it. */
export async function createApp(): Promise<NestFastifyApplication> {
  const config = appConfig();
  // One logger for Fastify, Nest and the request lines; Fastify's own two lines a request are off (ours says more).
  const logger = createLogger(config.logLevel, config.logFormat);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger a request: what is logged for a request passes its request id (logFieldsOf).
    childLoggerFactory: (parent: FastifyBaseLogger) => parent,
    bodyLimit: config.bodyLimitBytes,
    genReqId: requestIdFor,
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
    // Requests that arrive while the server closes are answered 503 SHUTTING_DOWN by GracefulShutdown, in the contract's shape.
    return503OnClosing: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, {
    // JSON only, read by our parser below: a form or text body gets 415, not a best guess.
    bodyParser: false,
    // A start-up failure (the database never answered) is thrown to main.ts, which exits 1, instead of process.abort().
    abortOnError: false,
    logger: new NestPinoLogger(logger),
  });
  configureApp(app, config, logger);
  await app.init();
  return app;
}

function configureApp(app: NestFastifyApplication, config: AppConfig, logger: Logger): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  // Our own JSON parser: UTF-8 only, depth bounded, prototype keys refused (see parseJsonBody).
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer, request.headers['content-type']));
    } catch (error) {
      done(error as FastifyError, undefined);
    }
  });
  fastify.addHook('onError', (request, reply, error, done) => {
    lingerOnRefusedBody(request, reply, error);
    done();
  });
  // The context a request hands its services (its id for log lines, its transaction), and the client gets the id back.
  // Declared once so every request has the same shape; onRequest gives each its own.
  fastify.decorateRequest('context', null as unknown as RequestContext);
  fastify.addHook('onRequest', (request, reply, done) => {
    request.context = { requestId: request.id };
    reply.header('x-request-id', request.id);
    done();
  });
  app.get(GracefulShutdown).attach(fastify);
  app.get(MemoryReplays).attach(fastify);
  // Every answered request, 404s and 401s included: its duration and outcomes counted, and its one log line.
  const metrics = app.get(MetricsService);
  fastify.decorateRequest('idempotency', null);
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = routeOf(request);
    metrics.observeRequest(request, reply, route);
    logRequest(logger, request, reply, route);
    done();
  });
  // Around the API, at the root: health checks, metrics and the checkout page with its script and style.
  const atRoot = ['health', 'health/live', 'metrics', 'checkout', 'checkout/checkout.js', 'checkout/checkout.css'];
  app.setGlobalPrefix(API_PREFIX, { exclude: atRoot.map((path) => ({ path, method: RequestMethod.GET })) });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter(app.get(DatabaseOutageMonitor)));
  installCors(fastify, {
    origins: config.corsOrigins,
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
    exposedHeaders: ['Idempotent-Replayed', 'Retry-After', 'X-Request-Id'],
  });
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('payonce')
      .setDescription('Checkout payments that happen exactly once. Authorize with an API key (or a user token), and send an Idempotency-Key (a UUID v4) with every payment.')
      .setVersion('1')
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', description: 'An API key (po_sk_…; `npm run apikey:create -- <account>`) or a user token from POST /api/v1/users/{id}/tokens' },
        BEARER_SCHEME,
      )
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', swaggerOptions: { persistAuthorization: true } });
}

/**
 * A body refused before it was all read (413, 415, bad JSON) gets its answer while the client may
 * still be sending. Fastify then asks for `Connection: close`, and Node would close the socket
 * with unread bytes in it: a TCP reset, which can destroy the answer before the client reads it.
 * Instead the rest of the body is read and discarded (bounded by LINGER_MS), then the
 * connection stays usable.
 */
function lingerOnRefusedBody(request: FastifyRequest, reply: FastifyReply, error: unknown): void {
  const raw = request.raw;
  if (raw.complete || toErrorResponse(error).body.statusCode >= 500) return;
  reply.removeHeader('connection');
  const timer = setTimeout(() => raw.socket?.destroy(), LINGER_MS).unref();
  const stop = () => clearTimeout(timer);
  raw.once('end', stop).once('close', stop).resume();
}

/** Errors the router finds before any hook runs (a bad percent-encoding, a too-long parameter). */
function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const { body } = toErrorResponse(error);
  sendJson(reply, body.statusCode, JSON.stringify(body));
}

/** Errors Node's HTTP parser finds (oversized or malformed headers) still get the contract's body. */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  if (socket.writable) {
    const body = JSON.stringify(errorBody(status, undefined, STATUS_CODES[status] ?? 'Bad Request'));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${JSON_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
