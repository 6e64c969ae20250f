export * from './service-config';
export { ConfigModule } from './config.module';
export { ConfigError, loadServiceConfig, type LoadedConfig } from './load-service-config';
export { readEnvironment } from './environment';
