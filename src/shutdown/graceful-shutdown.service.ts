import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { Server } from 'node:http';
import { ShuttingDownError, toErrorResponse } from '../common/errors/index.js';
import { sendJson } from '../common/http/send-json.js';
import { appConfig, type AppConfig } from '../config/app.config.js';

/** Kept from the grace period for closing the pool and the server once requests are done. */
const CLOSING_RESERVE_MS = 1000;
/** How often connections that became idle during the drain are closed. */
const SWEEP_INTERVAL_MS = 100;

/**
 * A bounded drain when the application closes (SIGTERM through Nest's shutdown hooks, or
 * app.close()). It starts in onModuleDestroy, before any beforeApplicationShutdown hook waits
 * for work: from then on idle keep-alive connections are closed at once, a response still being
 * made goes out with `Connection: close`, and a request that still arrives gets
 * `503 SHUTTING_DOWN`. Whatever is still open when the drain runs out is closed.
 */
@Injectable()
export class GracefulShutdown implements OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(GracefulShutdown.name);
  private drainEndsAt?: number;
  private sweeper?: NodeJS.Timeout;
  private cutOff?: NodeJS.Timeout;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  get draining(): boolean {
    return this.drainEndsAt !== undefined;
  }

  /** How long work in flight may still take: unbounded before the drain, then what is left of it. */
  msLeftToDrain(): number {
    return this.drainEndsAt === undefined ? Infinity : Math.max(0, this.drainEndsAt - Date.now());
  }

  /** Installs the hooks that refuse new requests and close connections once the drain has begun; before the app initializes. */
  attach(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', (_request, reply, done) => {
      if (!this.draining) return done();
      const { body, headers } = toErrorResponse(new ShuttingDownError());
      sendJson(reply, body.statusCode, JSON.stringify(body), headers);
    });
    fastify.addHook('onSend', (_request, reply, payload, done) => {
      // The connection closes after this response instead of waiting for a request that would be refused.
      if (this.draining) reply.header('connection', 'close');
      done(null, payload);
    });
  }

  onModuleDestroy(): void {
    if (this.draining) return;
    const drainMs = Math.max(this.config.shutdownGraceMs - CLOSING_RESERVE_MS, this.config.shutdownGraceMs / 2);
    this.drainEndsAt = Date.now() + drainMs;
    this.logger.log({ msg: `shutting down: finishing requests in flight for up to ${drainMs} ms, refusing new ones with 503 SHUTTING_DOWN`, event: 'shutdown.draining' });
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) return;
    server.closeIdleConnections();
    this.sweeper = setInterval(() => server.closeIdleConnections(), SWEEP_INTERVAL_MS).unref();
    this.cutOff = setTimeout(() => {
      this.logger.warn({ msg: 'shutdown drain ran out: closing the connections still open', event: 'shutdown.drain_expired' });
      server.closeAllConnections();
    }, drainMs).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    clearTimeout(this.cutOff);
  }
}

/**
 * The last resort behind the drain: a process still alive SHUTDOWN_GRACE_MS after a stop signal
 * (a hook that hangs) exits with code 1 instead of waiting for the platform's SIGKILL.
 */
export function exitWhenGraceRunsOut(graceMs: number, signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): void {
  const arm = (signal: NodeJS.Signals) => {
    setTimeout(() => {
      new Logger(GracefulShutdown.name).error(`still running ${graceMs} ms after ${signal} (SHUTDOWN_GRACE_MS): exiting`);
      process.exit(1);
    }, graceMs).unref();
  };
  for (const signal of signals) process.once(signal, arm);
}
