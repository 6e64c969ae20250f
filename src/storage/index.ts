export { ReportStorage, type StoredObject, type WriteOptions, type OpenedObject } from './report-storage';
export { StorageModule } from './storage.module';
export { StorageHealthIndicator } from './storage.health';
