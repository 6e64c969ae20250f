import { IsIn, IsOptional, IsString } from 'class-validator';

const SINGLE = { message: '$property must be a single string' };

/** GET /report-status: one report; ids default to the caller's own (validated by the report model). */
export class ReportStatusQuery {
  @IsIn(['student', 'teacher', 'overall'], { message: 'reportType must be one of student, teacher, overall' })
  reportType!: 'student' | 'teacher' | 'overall';

  @IsOptional()
  @IsString(SINGLE)
  classId?: string;

  @IsString(SINGLE)
  testId!: string;

  @IsOptional()
  @IsString(SINGLE)
  studentId?: string;

  @IsOptional()
  @IsString(SINGLE)
  teacherId?: string;
}

/** GET /report-status/class: every report of one class and test. */
export class ClassStatusQuery {
  @IsOptional()
  @IsString(SINGLE)
  classId?: string;

  @IsString(SINGLE)
  testId!: string;
}
