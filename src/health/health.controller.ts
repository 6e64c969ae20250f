import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { ErrorAnswer } from '../docs/api-answers';
import { BeforeApplicationShutdown, Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/public.decorator';
import { RedisHealthIndicator } from '../coordination';
import { BrowserHealthIndicator } from '../renderer';
import { StorageHealthIndicator } from '../storage';

/** Liveness, readiness and the full picture for ops; public, no token. */
@ApiTags('ops')
@ApiOkResponse({ description: 'healthy: {status: "ok", info: {storage, browser, redis?}}' })
@ApiServiceUnavailableResponse({
  description: 'a dependency is down, or shutting down (ready)',
  type: ErrorAnswer,
})
@Controller('health')
@Public()
export class HealthController implements BeforeApplicationShutdown {
  private shuttingDown = false;

  constructor(
    private readonly health: HealthCheckService,
    private readonly storage: StorageHealthIndicator,
    private readonly browser: BrowserHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check(this.dependencyChecks());
  }

  /** The process is up and serving HTTP; no dependency is asked. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** Dependencies up and not shutting down: the orchestrator may route traffic here. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    if (this.shuttingDown) throw new ServiceUnavailableException('shutting down');
    return this.health.check(this.dependencyChecks());
  }

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }

  private dependencyChecks() {
    const checks = [() => this.storage.check(), () => this.browser.check()];
    // Redis is part of the picture only where replicas share it.
    return this.redis.configured ? [...checks, () => this.redis.check()] : checks;
  }
}
