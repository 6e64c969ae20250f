import type { ClassReport } from './report';

/** A storage key in the layout shared with the Django backend; made only by `reportKey`. */
export type ReportKey = string & { readonly __reportKey: unique symbol };

/** The deterministic storage key of a report (see DESIGN.md "Keys"; never change the shape). */
export function reportKey(report: ClassReport): ReportKey {
  const base = `reports/${report.classId}`;
  switch (report.kind) {
    case 'student':
      return `${base}/${report.testId}/students/${report.studentId}.pdf` as ReportKey;
    case 'teacher':
      return (
        report.testId === 'overall'
          ? `${base}/overall/teacher_${report.teacherId}.pdf`
          : `${base}/${report.testId}/teacher_${report.teacherId}.pdf`
      ) as ReportKey;
    case 'overall':
      return `${base}/${report.testId}/overall.pdf` as ReportKey;
  }
}
