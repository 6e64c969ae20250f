import type { NodeSDK } from '@opentelemetry/sdk-node';
import { readEnvironment } from '../config/environment';

/**
 * OpenTelemetry, started before the HTTP server and Express are loaded (main.ts imports this first), only
 * when OTEL_EXPORTER_OTLP_ENDPOINT is set: otherwise no SDK is loaded and spans cost nothing. The SDK reads
 * the standard OTEL_* variables itself (protocol, service name, batch processor): the one reader of the
 * environment besides config.
 */
function startTracing(): NodeSDK | undefined {
  const env = readEnvironment();
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  env.OTEL_SERVICE_NAME ??= 'pdf-report-service';
  // Loaded on demand, synchronously: instrumentation must patch http and express before anything requires them.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeSDK: Sdk } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation } =
    require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const sdk = new Sdk({ instrumentations: [new HttpInstrumentation(), new ExpressInstrumentation()] });
  sdk.start();
  return sdk;
}

/** The running SDK, flushed and stopped by main.ts at shutdown; undefined when tracing is off. */
export const telemetry = startTracing();
