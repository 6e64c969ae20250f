export {
  hasClass,
  normaliseTestId,
  OVERALL_TEST_ID,
  parseClassReport,
  parseReport,
  REPORT_KINDS,
  teacherTestId,
  validId,
  type ClassReport,
  type Report,
  type ReportInput,
  type ReportKind,
} from './report';
export {
  classTestEntry,
  classTestPrefix,
  purgeScope,
  reportKey,
  type ClassTestEntry,
  type PurgeInput,
  type ReportKey,
} from './report-key';
