import type { Report } from '../report';

/** The PDF Title of a report whose page has no `<title>`: "Student report STU001 · Test_5". */
export function titleOf(report: Report): string {
  switch (report.kind) {
    case 'student':
      return `Student report ${report.studentId} · ${report.testId}`;
    case 'teacher':
      return `Teacher report ${report.teacherId} · ${report.testId}`;
    case 'overall':
      return `Class report ${report.classId ?? ''} · ${report.testId}`;
  }
}

/** The name a downloaded report is saved as. */
export function filenameOf(report: Report): string {
  switch (report.kind) {
    case 'student':
      return `report_${report.studentId}_${report.testId}.pdf`;
    case 'teacher':
      return `teacher_${report.teacherId}_${report.testId}.pdf`;
    case 'overall':
      return `overall_${report.classId ?? 'class'}_${report.testId}.pdf`;
  }
}
