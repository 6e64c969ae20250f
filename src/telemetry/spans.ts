import { SpanStatusCode, TraceFlags, trace, type Attributes, type Span } from '@opentelemetry/api';

const tracer = trace.getTracer('pdf-report-service');

/**
 * Runs `work` in a span of our own under the active one (the request's). A failure marks the span as an
 * error, with the domain reason when the error has one. Without the SDK these are no-ops.
 */
export function inSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, (span) => settle(span, () => work(span)));
}

/** Ends `span` when `work` settles; a failure marks it as an error, with the domain reason when there is one. */
async function settle<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const reason =
      typeof error === 'object' && error !== null && 'reason' in error ? error.reason : undefined;
    if (typeof reason === 'string') span.setAttribute('failure.reason', reason);
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    throw error;
  } finally {
    span.end();
  }
}

/** A span that starts now and is ended by the caller (a wait that begins and ends in different places). */
export function startSpan(name: string, attributes: Attributes): Span {
  return tracer.startSpan(name, { attributes });
}

/** `trace_id` / `span_id` of the active span, for log lines written inside a traced request. */
export function traceFields(): Record<string, string> {
  const context = trace.getActiveSpan()?.spanContext();
  return context ? { trace_id: context.traceId, span_id: context.spanId } : {};
}

/** The active span's ids, to link work done later (a batch's items) back to the request that asked for it. */
export function currentTrace(): { traceId: string; spanId: string } | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context ? { traceId: context.traceId, spanId: context.spanId } : undefined;
}

/** Runs `work` as a trace of its own (a batch item), linked to the trace that created it. */
export function inLinkedTrace<T>(
  name: string,
  attributes: Attributes,
  origin: { traceId: string; spanId: string } | undefined,
  work: () => Promise<T>,
): Promise<T> {
  const links = origin ? [{ context: { ...origin, traceFlags: TraceFlags.SAMPLED } }] : [];
  return tracer.startActiveSpan(name, { root: true, attributes, links }, (span) => settle(span, work));
}
