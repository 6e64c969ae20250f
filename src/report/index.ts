export {
  hasClass,
  normaliseTestId,
  OVERALL_TEST_ID,
  parseClassReport,
  parseReport,
  teacherTestId,
  validId,
  type ClassReport,
  type Report,
  type ReportInput,
  type ReportKind,
} from './report';
export { reportKey, type ReportKey } from './report-key';
