import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { STORAGE_CONFIG, type StorageConfig } from '../config';
import { FsReportStorage } from './fs.storage';
import { ReportStorage } from './report-storage';
import { S3ReportStorage } from './s3.storage';
import { StorageHealthIndicator } from './storage.health';

/** Picks the driver from validated config; tests override `ReportStorage` itself. */
export function createReportStorage(config: StorageConfig): ReportStorage {
  const driver = config.driver;
  switch (driver) {
    case 'fs':
      return new FsReportStorage(config);
    case 's3':
      return new S3ReportStorage(config);
    default:
      throw new Error(`unknown storage driver: ${String(driver satisfies never)}`);
  }
}

@Module({
  imports: [TerminusModule],
  providers: [
    { provide: ReportStorage, useFactory: createReportStorage, inject: [STORAGE_CONFIG] },
    StorageHealthIndicator,
  ],
  exports: [ReportStorage, StorageHealthIndicator],
})
export class StorageModule {}
