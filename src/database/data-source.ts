// The data source the TypeORM CLI uses (npm run migration:run / migration:generate / migration:revert).
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { databaseSettings } from '../config/database.config.js';
import { buildDataSourceOptions } from './data-source-options.js';

export default new DataSource({ ...(await buildDataSourceOptions(databaseSettings())), migrationsRun: false });
