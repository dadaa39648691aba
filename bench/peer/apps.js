// What `npm run bench` measures payonce against, each in its own process on 127.0.0.1:
//   node apps.js floor <port>            a bare Nest 12 + Fastify app: GET /health/live answers {"status":"ok"}
//   node apps.js peer <port> <json>      @node-idempotency/nestjs (memory store) around POST /api/v1/payments,
//                                        whose handler sends the same claim + payment SQL as payonce (the round
//                                        trips, scripts/lib/raw-payment.js) on the peer_* tables of the same database;
//                                        <json> is { "connection": mysql2 options, "accountId": the bench account }.
//   node apps.js sql <port> <json>       the ceiling: a bare Nest 12 + Fastify POST /api/v1/payments whose handler sends
//                                        the same SQL on payonce's own tables, and nothing else (no idempotency layer)
//   node apps.js layers <port> <json>    the same with one global guard, one interceptor and one global pipe that do
//                                        nothing: what the three Nest features payonce's design rests on cost by themselves
//                                        (<json> also says "setIsolation", as the bench's raw baseline works it out)
// Plain JavaScript with the decorators applied by hand, so the folder needs no build step.
import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Inject, Module, Post, UseInterceptors } from '@nestjs/common';
import { APP_GUARD, APP_PIPE, NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Idempotent, NodeIdempotencyModule } from '@node-idempotency/nestjs';
import mysql from 'mysql2/promise';
import { lastValueFrom, of } from 'rxjs';
import { rawPayment } from '../../scripts/lib/raw-payment.js';

const [kind, port, settingsJson] = process.argv.slice(2);
const settings = settingsJson ? JSON.parse(settingsJson) : {};
const POOL = 'POOL';

/** @Decorator() on a class method, without a TypeScript build. */
function decorateMethod(target, name, ...decorators) {
  const descriptor = Object.getOwnPropertyDescriptor(target.prototype, name);
  for (const decorator of decorators.reverse()) decorator(target.prototype, name, descriptor);
}

class FloorController {
  live() {
    return { status: 'ok' };
  }
}
Controller('health')(FloorController);
decorateMethod(FloorController, 'live', Get('live'), HttpCode(200));

/** The raw statements for one new payment, on a pooled connection: the handler of the peer and of the ceilings. */
async function payRaw(pool, body, setIsolation = false, prefix = '') {
  const connection = await pool.getConnection();
  try {
    return await rawPayment(connection, { accountId: settings.accountId, orderId: body.orderId, userId: body.userId }, setIsolation, { prefix });
  } finally {
    connection.release();
  }
}

class PeerController {
  constructor(pool) {
    this.pool = pool;
  }
  pay(body) {
    return payRaw(this.pool, body, false, 'peer_');
  }
}
Controller('api/v1')(PeerController);
Inject(POOL)(PeerController, undefined, 0);
decorateMethod(PeerController, 'pay', Post('payments'), HttpCode(200), Idempotent());
Body()(PeerController.prototype, 'pay', 0);

/** POST /api/v1/payments around payRaw; `interceptors` on the route. */
function sqlController(...interceptors) {
  class SqlController {
    constructor(pool) {
      this.pool = pool;
    }
    pay(body) {
      return payRaw(this.pool, body, settings.setIsolation);
    }
  }
  Controller('api/v1')(SqlController);
  Inject(POOL)(SqlController, undefined, 0);
  decorateMethod(SqlController, 'pay', Post('payments'), HttpCode(200), ...(interceptors.length ? [UseInterceptors(...interceptors)] : []));
  Body()(SqlController.prototype, 'pay', 0);
  return SqlController;
}

/** Lets every request through, as a guard that found its caller does. */
class PassGuard {
  canActivate() {
    return true;
  }
}
/** Awaits the handler and hands its value on, as an interceptor that stores the answer does (payonce's). */
class PassInterceptor {
  async intercept(context, next) {
    return of(await lastValueFrom(next.handle(), { defaultValue: undefined }));
  }
}
/** Returns the body as it came, as a validation pipe does for a valid one. */
class PassPipe {
  transform(value) {
    return value;
  }
}

class FloorModule {}
Module({ controllers: [FloorController] })(FloorModule);

class PeerModule {}
Module({
  imports: [NodeIdempotencyModule.forRootAsync({ storage: { adapter: 'memory' } })],
  controllers: [PeerController, FloorController],
  providers: [{ provide: POOL, useFactory: () => mysql.createPool({ ...settings.connection, multipleStatements: true, connectionLimit: 20 }) }],
})(PeerModule);

const sqlPool = { provide: POOL, useFactory: () => mysql.createPool({ ...settings.connection, multipleStatements: true, connectionLimit: 32 }) };
class SqlModule {}
Module({ controllers: [sqlController(), FloorController], providers: [sqlPool] })(SqlModule);

class LayersModule {}
Module({
  controllers: [sqlController(PassInterceptor), FloorController],
  providers: [
    sqlPool,
    { provide: APP_GUARD, useClass: PassGuard },
    { provide: APP_PIPE, useClass: PassPipe },
  ],
})(LayersModule);

const modules = { floor: FloorModule, peer: PeerModule, sql: SqlModule, layers: LayersModule };
const app = await NestFactory.create(modules[kind], new FastifyAdapter(), { logger: ['error'] });
app.enableShutdownHooks();
await app.listen(Number(port), '127.0.0.1');
console.log(`${kind} listening on 127.0.0.1:${port}`);
