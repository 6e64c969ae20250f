import { IsIn, IsOptional, IsString } from 'class-validator';

const SINGLE = { message: '$property must be a string' };

/** DELETE /internal/reports: one report, one test of a class, or a whole class. Unknown fields are refused. */
export class PurgeReportsBody {
  @IsString(SINGLE)
  classId!: string;

  @IsOptional()
  @IsString(SINGLE)
  testId?: string;

  @IsOptional()
  @IsIn(['student', 'teacher', 'overall'], { message: 'reportType must be one of student, teacher, overall' })
  reportType?: 'student' | 'teacher' | 'overall';

  @IsOptional()
  @IsString(SINGLE)
  studentId?: string;

  @IsOptional()
  @IsString(SINGLE)
  teacherId?: string;
}
