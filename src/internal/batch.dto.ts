import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsOptional, IsString } from 'class-validator';

export const BATCH_MAX_STUDENTS = 5000;
export const BATCH_MAX_TEACHERS = 200;
const SINGLE = { message: '$property must be a string' };

/** POST /internal/batches: every report of one class and test. Unknown fields are refused. */
export class CreateBatchBody {
  @IsString(SINGLE)
  classId!: string;

  @IsString(SINGLE)
  testId!: string;

  @IsArray({ message: 'studentIds must be an array of strings' })
  @ArrayMaxSize(BATCH_MAX_STUDENTS, {
    message: `studentIds must name at most ${BATCH_MAX_STUDENTS} students`,
  })
  @ArrayUnique({ message: 'studentIds must not repeat a student' })
  @IsString({ each: true, message: 'studentIds must be an array of strings' })
  studentIds!: string[];

  @IsOptional()
  @IsArray({ message: 'teacherIds must be an array of strings' })
  @ArrayMaxSize(BATCH_MAX_TEACHERS, {
    message: `teacherIds must name at most ${BATCH_MAX_TEACHERS} teachers`,
  })
  @ArrayUnique({ message: 'teacherIds must not repeat a teacher' })
  @IsString({ each: true, message: 'teacherIds must be an array of strings' })
  teacherIds?: string[];

  @IsOptional()
  @IsBoolean({ message: 'includeOverall must be a boolean' })
  includeOverall?: boolean;

  @IsOptional()
  @IsString(SINGLE)
  origin?: string;

  @IsOptional()
  @IsBoolean({ message: 'force must be a boolean' })
  force?: boolean;

  @IsOptional()
  @IsString(SINGLE)
  callbackUrl?: string;
}
