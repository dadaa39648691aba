import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { driverCodeOf, isDatabaseUnreachable } from '../common/transaction/mysql-errors.js';
import { databaseConfig, type DatabaseConfig } from '../config/database.config.js';
import { askServerVersion } from './wait-for-database.js';

/** How often a lost database is asked again whether it is back, and how long one try may take. */
const PROBE_INTERVAL_MS = 1000;
const PROBE_TIMEOUT_MS = 2000;

/**
 * Notices when the database cannot be reached and says so once, then once more when it answers
 * again: during an outage every request fails the same way, and a line per request would bury
 * the one that matters. Requests are answered 503 DATABASE_UNAVAILABLE meanwhile (the error
 * mapping does that); the pool reconnects by itself, the monitor only watches.
 */
@Injectable()
export class DatabaseOutageMonitor implements OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseOutageMonitor.name);
  private outageSince?: number;
  private probe?: NodeJS.Timeout;
  private stopped = false;

  constructor(@Inject(databaseConfig.KEY) private readonly db: DatabaseConfig) {}

  /** True while an outage is known and not yet over. */
  get inOutage(): boolean {
    return this.outageSince !== undefined;
  }

  /** Looks at an error on its way to a client or a log; true when it meant "no database" (already logged once). */
  observe(error: unknown): boolean {
    if (!isDatabaseUnreachable(error)) return false;
    this.noticeUnreachable(driverCodeOf(error));
    return true;
  }

  /** The database did not answer (`why`: a driver code, a failed health check); logged only when an outage starts. */
  noticeUnreachable(why: string): void {
    if (this.outageSince !== undefined || this.stopped) return;
    this.outageSince = Date.now();
    this.logger.error({ msg: `database ${this.where()} is unavailable (${why}): answering 503 DATABASE_UNAVAILABLE until it answers again`, event: 'database.outage_started' });
    this.scheduleProbe();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.probe);
  }

  private scheduleProbe(): void {
    this.probe = setTimeout(() => void this.probeOnce(), PROBE_INTERVAL_MS).unref();
  }

  private async probeOnce(): Promise<void> {
    try {
      // A connection of its own: a pooled one may outlive a server that is going down, and a new one is what the pool will need.
      await askServerVersion(this.db, PROBE_TIMEOUT_MS);
    } catch {
      if (!this.stopped) this.scheduleProbe();
      return;
    }
    const seconds = ((Date.now() - (this.outageSince ?? Date.now())) / 1000).toFixed(1);
    this.outageSince = undefined;
    // A warning like the outage itself, so that whoever sees the one sees the other.
    this.logger.warn({ msg: `database ${this.where()} answers again after ${seconds} s: the outage is over`, event: 'database.outage_ended', outageSeconds: Number(seconds) });
  }

  /** The host, or with a DB_HOST list every host: none of them answered. */
  private where(): string {
    return this.db.hosts.map((server) => `${server.host}:${server.port}`).join(', ');
  }
}
