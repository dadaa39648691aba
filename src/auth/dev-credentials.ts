import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { authConfig, DEV_API_KEY_FILE, type AuthConfig } from '../config/auth.config.js';
import { displayPrefix, generateApiKey, looksLikeApiKey } from './api-key.js';
import { ApiKeyService } from './api-key.service.js';

export const DEV_ACCOUNT_NAME = 'development';

/**
 * On the private development database, a new user gets going at once: an account and an API key
 * are made on first start, the key is kept in .data/dev-api-key and printed at every start.
 */
@Injectable()
export class DevCredentials implements OnApplicationBootstrap {
  private readonly logger = new Logger(DevCredentials.name);
  /** Made once per process: the checkout demo asks for it too, and two first starts must not make two keys. */
  private key?: Promise<string>;

  constructor(
    private readonly apiKeys: ApiKeyService,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.devCredentials) return;
    const key = await this.ensureKey();
    this.logger.log(`development API key (kept in ${DEV_API_KEY_FILE}): ${key}`);
    this.logger.log(`try it: curl -H "Authorization: Bearer $(cat ${DEV_API_KEY_FILE})" -H 'Content-Type: application/json' -d '{"name":"kim"}' http://${this.app.host}:${this.app.port}/api/v1/users`);
  }

  /** The kept key, registered in this database; a new one when there is none or it was revoked. */
  ensureKey(): Promise<string> {
    return (this.key ??= this.keptOrNewKey());
  }

  private async keptOrNewKey(): Promise<string> {
    const kept = this.readKept();
    if (kept && (await this.apiKeys.adopt(DEV_ACCOUNT_NAME, kept, displayPrefix(kept)))) return kept;
    const { key, prefix } = generateApiKey();
    await this.apiKeys.adopt(DEV_ACCOUNT_NAME, key, prefix);
    mkdirSync(dirname(DEV_API_KEY_FILE), { recursive: true });
    writeFileSync(DEV_API_KEY_FILE, `${key}\n`, { mode: 0o600 });
    return key;
  }

  private readKept(): string | undefined {
    try {
      const key = readFileSync(DEV_API_KEY_FILE, 'utf8').trim();
      return looksLikeApiKey(key) ? key : undefined;
    } catch {
      return undefined;
    }
  }
}
