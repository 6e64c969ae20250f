import { InvalidInput } from '../common/domain.errors';
import type { QueuedIndex } from './batch.runner';
import { reportKey, parseClassReport, type ClassReport, type ReportInput } from '../report';

/** What the backend asks for: every report of one class and test it names. */
export interface BatchSpec {
  classId: string;
  testId: string;
  studentIds: readonly string[];
  teacherIds: readonly string[];
  includeOverall: boolean;
  origin: string | undefined;
  force: boolean;
  callbackUrl: string | undefined;
  /** Higher priority batches' items go first; round-robin within one priority. Absent: normal. */
  priority?: BatchPriority;
}

export const BATCH_PRIORITIES = ['high', 'normal', 'low'] as const;
export type BatchPriority = (typeof BATCH_PRIORITIES)[number];

/** Items of one batch never outnumber this (5000 students + 200 teachers + overall), so ranks stay in a tier. */
const TIER_SPAN = 10_000;

/**
 * The queue order of a batch's items, one number per item (lower first; BullMQ's job priority). Item k of
 * every batch of one priority gets k (plus the tier), so concurrent batches interleave by construction
 * (round-robin) and a batch created behind a long one has its first items next; within a batch the teacher
 * and overall reports (which teachers look at first) come before the students.
 */
export function queuePriorities(items: readonly BatchItem[], priority: BatchPriority = 'normal'): number[] {
  const tier = BATCH_PRIORITIES.indexOf(priority) * TIER_SPAN;
  const first = items.filter((item) => item.reportType !== 'student').length;
  let teachers = 0;
  let students = first;
  // 1 is BullMQ's highest priority (0 would mean "none").
  return items.map((item) => tier + 1 + (item.reportType === 'student' ? students++ : teachers++));
}

/** The items still to render, each with its queue place among them (stored ones take no place). */
export function queueOf(items: readonly BatchItem[], priority: BatchPriority = 'normal'): QueuedIndex[] {
  const indexes = items.flatMap((item, index) => (item.state === 'pending' ? [index] : []));
  const priorities = queuePriorities(
    indexes.map((index) => items[index]),
    priority,
  );
  return indexes.map((index, place) => ({ index, priority: priorities[place] }));
}

export type BatchState = 'queued' | 'running' | 'completed' | 'cancelled';
export type ItemState = 'pending' | 'active' | 'succeeded' | 'failed' | 'cancelled';
export type CallbackState = 'none' | 'pending' | 'delivered' | 'failed';

/** One report of a batch (one key); its place in the batch is its index. */
export interface BatchItem {
  reportType: ClassReport['kind'];
  studentId?: string;
  teacherId?: string;
  s3Key: string;
  state: ItemState;
  attempts: number;
  error?: string;
}

/** The facts of a batch that never change after it is created. */
export interface BatchRecord {
  batchId: string;
  spec: BatchSpec;
  createdAt: string;
  /** The purge epoch when the batch was created: a later purge of an item's key ends that item "purged". */
  purgeEpoch?: number;
  /** The trace of the request that created the batch: its items' traces link to it. */
  trace?: { traceId: string; spanId: string };
}

/** The batch as the store holds it. */
export interface StoredBatch {
  record: BatchRecord;
  state: BatchState;
  finishedAt: string | null;
  items: BatchItem[];
  callback: { state: CallbackState; attempts: number };
}

/** GET /internal/batches/:id (and the callback, without `items`). */
export interface BatchStatus {
  batchId: string;
  classId: string;
  testId: string;
  state: BatchState;
  total: number;
  succeeded: number;
  failed: number;
  pending: number;
  createdAt: string;
  finishedAt: string | null;
  items: BatchItem[];
  callback: { state: CallbackState; attempts: number };
}

export const FINAL_ITEM_STATES: readonly ItemState[] = ['succeeded', 'failed', 'cancelled'];

/** The report each item renders; ids are validated here (400 naming the field). */
export function reportsOf(spec: BatchSpec): ClassReport[] {
  const base = { classId: spec.classId, testId: spec.testId };
  return [
    ...spec.studentIds.map((studentId, index) =>
      parseNamed(`studentIds[${index}]`, { kind: 'student', ...base, studentId }),
    ),
    ...spec.teacherIds.map((teacherId, index) =>
      parseNamed(`teacherIds[${index}]`, { kind: 'teacher', ...base, teacherId }),
    ),
    ...(spec.includeOverall ? [parseClassReport({ kind: 'overall', ...base })] : []),
  ];
}

/** A bad id in a list is named by its place in the list (`studentIds[3]`). */
function parseNamed(field: string, input: ReportInput): ClassReport {
  try {
    return parseClassReport(input);
  } catch (error) {
    if (error instanceof InvalidInput && (error.field === 'studentId' || error.field === 'teacherId')) {
      throw new InvalidInput(field, error.reason);
    }
    throw error;
  }
}

export function itemOf(report: ClassReport): BatchItem {
  return {
    reportType: report.kind,
    ...(report.kind === 'student' ? { studentId: report.studentId } : {}),
    ...(report.kind === 'teacher' ? { teacherId: report.teacherId } : {}),
    s3Key: reportKey(report),
    state: 'pending',
    attempts: 0,
  };
}

export function statusOf(batch: StoredBatch): BatchStatus {
  const count = (state: ItemState) => batch.items.filter((item) => item.state === state).length;
  return {
    batchId: batch.record.batchId,
    classId: batch.record.spec.classId,
    testId: batch.record.spec.testId,
    state: batch.state,
    total: batch.items.length,
    succeeded: count('succeeded'),
    failed: count('failed'),
    pending: count('pending') + count('active'),
    createdAt: batch.record.createdAt,
    finishedAt: batch.finishedAt,
    items: batch.items,
    callback: batch.callback,
  };
}
