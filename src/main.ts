import 'reflect-metadata';
import { Buffer } from 'node:buffer';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup.js';
import { appConfig } from './config/index.js';
import { exitWhenGraceRunsOut } from './shutdown/graceful-shutdown.service.js';

// Every Buffer gets its own memory, none is carved from Node's shared 8 KB slabs. A slab stays as long as
// any Buffer carved from it, and under load the slabs of mysql2's query packets and of the answers outlived
// the young generation: memory outside V8's heap grew ~4 MB/s, and every 64 MB of it started a full
// collection. Without them it grows ~0.1 MB/s, and payments run no slower (BENCHMARKS.md, thirteenth pass).
Buffer.poolSize = 0;

async function bootstrap(): Promise<void> {
  const app = await createApp();
  const { host, port, shutdownGraceMs } = appConfig();
  exitWhenGraceRunsOut(shutdownGraceMs);
  await app.listen(port, host);
  new Logger('Bootstrap').log(`payonce listening on http://${host}:${port} (Swagger UI at /docs)`);
}

bootstrap().catch((error: unknown) => {
  // Nest has logged the cause already; the exit code tells the supervisor that start-up failed.
  new Logger('Bootstrap').fatal(`start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
