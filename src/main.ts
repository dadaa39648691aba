import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup.js';
import { appConfig } from './config/index.js';

async function bootstrap(): Promise<void> {
  const app = await createApp();
  const { host, port } = appConfig();
  await app.listen(port, host);
  new Logger('Bootstrap').log(`payonce listening on http://${host}:${port} (Swagger UI at /docs)`);
}

void bootstrap();
