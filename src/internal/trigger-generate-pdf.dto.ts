import { IsBoolean, IsIn, IsOptional, IsString } from 'class-validator';

const SINGLE = { message: '$property must be a string' };

/** The Django backend's trigger body (the seed's shape, plus `force`). Unknown fields are refused. */
export class TriggerGeneratePdfBody {
  @IsString(SINGLE)
  testId!: string;

  @IsString(SINGLE)
  classId!: string;

  @IsIn(['student', 'teacher', 'overall'], { message: 'reportType must be one of student, teacher, overall' })
  reportType!: 'student' | 'teacher' | 'overall';

  @IsOptional()
  @IsString(SINGLE)
  studentId?: string;

  @IsOptional()
  @IsString(SINGLE)
  teacherId?: string;

  @IsOptional()
  @IsString(SINGLE)
  origin?: string;

  @IsOptional()
  @IsString(SINGLE)
  reportToken?: string;

  @IsOptional()
  @IsBoolean({ message: 'force must be a boolean' })
  force?: boolean;
}

/** 202: the PDF is rendered (or was already there with force: false) and stored under `s3Key`. */
export interface TriggerGeneratePdfAnswer {
  success: true;
  message: string;
  reportType: string;
  testId: string;
  classId: string;
  s3Key: string;
  cached: boolean;
  bytes: number;
  durationMs: number;
}
