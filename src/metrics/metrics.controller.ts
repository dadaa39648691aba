import { Controller, Get, Header, HttpCode, HttpStatus } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { prometheusContentType } from 'prom-client';
import { Public } from '../auth/access.decorators.js';
import { MetricsService } from './metrics.service.js';

@ApiTags('metrics')
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @HttpCode(HttpStatus.OK)
  @Header('content-type', prometheusContentType)
  @ApiOperation({ summary: 'Prometheus metrics in text format; no credential needed' })
  @ApiProduces(prometheusContentType)
  @ApiOkResponse({
    description: 'Request durations, idempotency outcomes, payments, replay cache, database pool, transaction retries, process',
    content: {
      [prometheusContentType]: {
        schema: { type: 'string' },
        example: '# HELP payonce_payments_total Payments decided (replays excluded), by outcome\n# TYPE payonce_payments_total counter\npayonce_payments_total{outcome="COMPLETED"} 42\n',
      },
    },
  })
  scrape(): Promise<string> {
    return this.metrics.scrape();
  }
}
