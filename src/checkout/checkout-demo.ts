import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { NO_REQUEST } from '../common/context/index.js';
import { ApiKeyService } from '../auth/api-key.service.js';
import type { Caller } from '../auth/caller.js';
import { DevCredentials } from '../auth/dev-credentials.js';
import { UserTokenService } from '../auth/user-token.service.js';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { authConfig, type AuthConfig } from '../config/auth.config.js';
import type { UserEntity } from '../user/user.entity.js';
import { UserNotFoundError } from '../user/user.errors.js';
import { UserService } from '../user/user.service.js';

export const DEMO_SHOPPER_FILE = '.data/dev-demo-shopper';
const DEMO_SHOPPER_NAME = 'demo shopper';
/** Topped up to this at start-up whenever it has fallen below half of it, so the demo can always pay. */
const DEMO_BALANCE = 100_000;

/**
 * On the development database, a demo shopper of the development account with a balance, and at
 * every start a fresh user token for it, printed as a link to the checkout page. The token rides
 * in the URL fragment, which browsers never send to a server, so it reaches no access log.
 */
@Injectable()
export class CheckoutDemo implements OnApplicationBootstrap {
  private readonly logger = new Logger(CheckoutDemo.name);

  constructor(
    private readonly devCredentials: DevCredentials,
    private readonly apiKeys: ApiKeyService,
    private readonly users: UserService,
    private readonly tokens: UserTokenService,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.devCredentials) return;
    const caller = await this.apiKeys.authenticate(await this.devCredentials.ensureKey());
    if (!caller) throw new Error('The development API key does not authenticate');
    const shopper = await this.ensureShopper(caller);
    const { token, expiresAt } = await this.tokens.mint(caller.accountId, shopper.id);
    this.logger.log(
      `checkout demo, as "${shopper.name}" (user ${shopper.id}, balance ${shopper.balance} won; the link works until ${expiresAt}): ` +
        `http://${this.app.host}:${this.app.port}/checkout#token=${token}`,
    );
  }

  /** The kept demo shopper, topped up; a new one when there is none in this database. */
  private async ensureShopper(caller: Caller): Promise<UserEntity> {
    const shopper = (await this.keptShopper(caller)) ?? (await this.newShopper(caller));
    if (shopper.balance >= DEMO_BALANCE / 2) return shopper;
    return this.users.charge(NO_REQUEST, caller, shopper.id, DEMO_BALANCE - shopper.balance);
  }

  private async keptShopper(caller: Caller): Promise<UserEntity | undefined> {
    let id: number;
    try {
      id = Number(readFileSync(DEMO_SHOPPER_FILE, 'utf8').trim());
    } catch {
      return undefined;
    }
    if (!Number.isSafeInteger(id) || id < 1) return undefined;
    try {
      const user = await this.users.get(NO_REQUEST, caller, id);
      // A file left from another database may name someone else's user: only the demo shopper will do.
      return user.name === DEMO_SHOPPER_NAME ? user : undefined;
    } catch (error) {
      if (error instanceof UserNotFoundError) return undefined;
      throw error;
    }
  }

  private async newShopper(caller: Caller): Promise<UserEntity> {
    const shopper = await this.users.create(NO_REQUEST, caller, DEMO_SHOPPER_NAME);
    mkdirSync(dirname(DEMO_SHOPPER_FILE), { recursive: true });
    writeFileSync(DEMO_SHOPPER_FILE, `${shopper.id}\n`);
    return shopper;
  }
}
