import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReportFrontend, type ReportFrontend } from './fixtures/report-frontend';
import { startServiceProcess, type ServiceProcess } from './support/processes';
import { signToken, TEST_JWT_SECRET } from './support/tokens';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  status?: { code?: number };
}

/** An OTLP/HTTP (JSON) trace receiver: what a collector would get. */
async function startCollector(): Promise<{
  endpoint: string;
  spans: ExportedSpan[];
  close(): Promise<void>;
}> {
  const spans: ExportedSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as {
          resourceSpans: Array<{ scopeSpans: Array<{ spans: ExportedSpan[] }> }>;
        };
        for (const resource of body.resourceSpans)
          for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const attribute = (span: ExportedSpan, key: string) => {
  const value = span.attributes.find((entry) => entry.key === key)?.value;
  return value ? Object.values(value)[0] : undefined;
};

describe('OpenTelemetry (e2e: the built service exporting to an OTLP receiver)', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let frontend: ReportFrontend;
  let service: ServiceProcess;
  let dir: string;
  const admin = signToken({ role: 'admin', user_id: 'A' });

  beforeAll(async () => {
    collector = await startCollector();
    frontend = await startReportFrontend({ jwtSecret: TEST_JWT_SECRET });
    dir = await mkdtemp(join(tmpdir(), 'otel-'));
    service = await startServiceProcess({
      STORAGE_DRIVER: 'fs',
      STORAGE_DIR: dir,
      FRONTEND_ORIGINS: frontend.origin,
      DEFAULT_FRONTEND_ORIGIN: frontend.origin,
      JWT_SECRET: TEST_JWT_SECRET,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
  });

  afterAll(async () => {
    await service.stop();
    await frontend.close();
    await collector.close();
    await rm(dir, { recursive: true, force: true });
  });

  const spansOf = async (traceId: string, names: string[]) => {
    const deadline = Date.now() + 10000;
    for (;;) {
      const spans = collector.spans.filter((span) => span.traceId === traceId);
      if (names.every((name) => spans.some((span) => span.name === name)) || Date.now() > deadline)
        return spans;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it('should continue the caller’s trace through lookup, queue, page, pdf and store, and log the ids', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    const answer = await fetch(`${service.base}/generate-pdf?studentId=OT1&testId=1&classId=COT`, {
      headers: { Authorization: `Bearer ${admin}`, traceparent: `00-${traceId}-${parent}-01` },
    });
    expect(answer.status).toBe(200);
    const names = ['report.lookup', 'render.queue', 'render.page', 'render.pdf', 'storage.write'];
    const spans = await spansOf(traceId, names);
    const byName = (name: string) => spans.find((span) => span.name === name)!;
    for (const name of names) expect(byName(name)).toBeDefined();
    // The server span continues the caller's span; ours hang under the request.
    const server = spans.find((span) => span.parentSpanId === parent)!;
    expect(server).toBeDefined();
    const ancestors = (span: ExportedSpan): string[] => {
      const up = spans.find((candidate) => candidate.spanId === span.parentSpanId);
      return up ? [up.spanId, ...ancestors(up)] : [];
    };
    for (const name of names) expect(ancestors(byName(name))).toContain(server.spanId);
    expect(attribute(byName('report.lookup'), 'report.cache')).toBe('miss');
    expect(attribute(byName('render.page'), 'url.path')).toBe('/report');
    expect(
      service.logs.some(
        (line) => line.includes('Starting PDF generation') && line.includes(`"trace_id":"${traceId}"`),
      ),
    ).toBe(true);
  });

  it('should mark a failing render’s page span as an error with the reason', async () => {
    const traceId = 'a'.repeat(32);
    const answer = await fetch(`${service.base}/generate-pdf?studentId=FAIL_OT&testId=1&classId=COT`, {
      headers: { Authorization: `Bearer ${admin}`, traceparent: `00-${traceId}-${'b'.repeat(16)}-01` },
    });
    expect(answer.status).toBe(502);
    const [page] = (await spansOf(traceId, ['render.page'])).filter((span) => span.name === 'render.page');
    expect(page.status?.code).toBe(2);
    expect(attribute(page, 'failure.reason')).toBe('page_error');
  });

  it('should measure every route in the request duration histogram, probes included', async () => {
    await fetch(`${service.base}/health/live`);
    const metrics = await (await fetch(`${service.base}/metrics`)).text();
    expect(metrics).toMatch(
      /pdf_http_request_duration_seconds_count\{method="GET",route="\/health\/live",status_class="2xx"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /pdf_http_request_duration_seconds_count\{method="GET",route="\/generate-pdf",status_class="5xx"\} [1-9]/,
    );
  });
});
