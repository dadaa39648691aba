import { Global, Module } from '@nestjs/common';
import { GracefulShutdown } from './graceful-shutdown.service.js';

/** The bounded drain on stop; global, so that whatever waits for its own work can ask how long is left. */
@Global()
@Module({
  providers: [GracefulShutdown],
  exports: [GracefulShutdown],
})
export class ShutdownModule {}
