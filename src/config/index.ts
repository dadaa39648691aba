export { appConfig, type AppConfig } from './app.config.js';
export { authConfig, type AuthConfig } from './auth.config.js';
export { databaseConfig, type DatabaseConfig } from './database.config.js';
export { idempotencyConfig, type IdempotencyConfig } from './idempotency.config.js';
