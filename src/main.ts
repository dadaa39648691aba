import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup.js';
import { appConfig } from './config/index.js';
import { exitWhenGraceRunsOut } from './shutdown/graceful-shutdown.service.js';

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
