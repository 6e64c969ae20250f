import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { within } from '../common/within';
import { ReportStorage } from './report-storage';

/** Storage must answer a ping within this long for the service to count as healthy. */
const STORAGE_PING_TIMEOUT_MS = 5000;

/** `storage` in /health and /health/ready: S3 HeadBucket, or the fs folder being writable. */
@Injectable()
export class StorageHealthIndicator {
  constructor(
    private readonly storage: ReportStorage,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(key = 'storage'): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      await within(this.storage.ping(), STORAGE_PING_TIMEOUT_MS, () => {
        throw new Error(`no answer within ${STORAGE_PING_TIMEOUT_MS} ms`);
      });
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
