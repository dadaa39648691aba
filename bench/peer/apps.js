// What `npm run bench` measures payonce against, each in its own process on 127.0.0.1:
//   node apps.js floor <port>            a bare Nest 12 + Fastify app: GET /health/live answers {"status":"ok"}
//   node apps.js peer <port> <json>      @node-idempotency/nestjs (memory store) around POST /api/v1/payments,
//                                        whose handler sends the same claim + payment SQL as payonce (the round
//                                        trips, scripts/lib/raw-payment.js) on the peer_* tables of the same database;
//                                        <json> is { "connection": mysql2 options, "accountId": the bench account }.
// Plain JavaScript with the decorators applied by hand, so the folder needs no build step.
import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Inject, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Idempotent, NodeIdempotencyModule } from '@node-idempotency/nestjs';
import mysql from 'mysql2/promise';
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

class PeerController {
  constructor(pool) {
    this.pool = pool;
  }
  async pay(body) {
    const connection = await this.pool.getConnection();
    try {
      return await rawPayment(connection, { accountId: settings.accountId, orderId: body.orderId, userId: body.userId }, false, { prefix: 'peer_' });
    } finally {
      connection.release();
    }
  }
}
Controller('api/v1')(PeerController);
Inject(POOL)(PeerController, undefined, 0);
decorateMethod(PeerController, 'pay', Post('payments'), HttpCode(200), Idempotent());
Body()(PeerController.prototype, 'pay', 0);

class FloorModule {}
Module({ controllers: [FloorController] })(FloorModule);

class PeerModule {}
Module({
  imports: [NodeIdempotencyModule.forRootAsync({ storage: { adapter: 'memory' } })],
  controllers: [PeerController, FloorController],
  providers: [{ provide: POOL, useFactory: () => mysql.createPool({ ...settings.connection, multipleStatements: true, connectionLimit: 20 }) }],
})(PeerModule);

const app = await NestFactory.create(kind === 'peer' ? PeerModule : FloorModule, new FastifyAdapter(), { logger: ['error'] });
app.enableShutdownHooks();
await app.listen(Number(port), '127.0.0.1');
console.log(`${kind} listening on 127.0.0.1:${port}`);
