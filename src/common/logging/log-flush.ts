import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { flushLogs } from './logger.js';

/** Provided by the root module, whose shutdown hooks run last: the lines of every other module's shutdown are written out too. */
@Injectable()
export class LogFlush implements OnApplicationShutdown {
  onApplicationShutdown(): void {
    flushLogs();
  }
}
