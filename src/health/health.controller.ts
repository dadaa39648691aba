import { Controller, Get, HttpCode, HttpStatus, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator, type HealthCheckResult } from '@nestjs/terminus';
import { Public } from '../auth/access.decorators.js';
import { DomainError } from '../common/errors/index.js';
import { ApiError } from '../common/http/api-error-responses.decorator.js';
import { DatabaseOutageMonitor } from '../database/database-outage.monitor.js';

export class HealthCheckFailedError extends DomainError {
  readonly code = 'HEALTH_CHECK_FAILED';
  readonly kind = 'unavailable';
  constructor(down: string[]) {
    super(`Not answering: ${down.join(', ')}`);
  }
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly outage: DatabaseOutageMonitor,
  ) {}

  /** Liveness: the process answers, whatever the database does. Also the benchmark's framework baseline. */
  @Get('live')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: '200 while the process is up; does not touch the database' })
  @ApiResponse({ status: 200, description: 'The process is up', example: { status: 'ok' } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get()
  @HttpCode(HttpStatus.OK)
  @HealthCheck()
  @ApiOperation({ summary: '200 when the database answers a ping, 503 when it does not' })
  @ApiResponse({ status: 200, description: 'The database answers', example: { status: 'ok', info: { database: { status: 'up' } }, error: {}, details: { database: { status: 'up' } } } })
  @ApiError(503, 'HEALTH_CHECK_FAILED', 'Not answering: database')
  async check(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.database.pingCheck('database', { timeout: 1500 })]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const details = (error.getResponse() as Partial<HealthCheckResult>).error ?? {};
      // Logged once per outage by the monitor, not once per probe of a load balancer.
      if (details.database) this.outage.noticeUnreachable(`health check: ${String(details.database.message ?? 'down')}`);
      throw new HealthCheckFailedError(Object.keys(details));
    }
  }
}
