import { Module } from '@nestjs/common';
import { appConfig, type AppConfig } from '../config/index.js';
import { IdleHeapCollector, processHeap } from './idle-heap-collector.js';

/** What the process does for itself rather than for a request: its idle collections. */
@Module({
  providers: [{ provide: IdleHeapCollector, useFactory: (config: AppConfig) => new IdleHeapCollector(config, processHeap()), inject: [appConfig.KEY] }],
})
export class RuntimeModule {}
