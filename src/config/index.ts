export * from './service-config';
export { SettingsModule } from './settings.module';
export {
  CHROMIUM_CANDIDATES,
  ConfigError,
  loadServiceConfig,
  type LoadedConfig,
} from './load-service-config';
export { ENVIRONMENT_VARIABLES, type EnvironmentVariable } from './environment.variables';
export { readEnvironment } from './environment';
