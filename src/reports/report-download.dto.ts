import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsOptional, IsString } from 'class-validator';

/**
 * Query and body shapes of the public routes. They only check the types (a repeated query key is an array:
 * 400 naming it); the id rules live in one place, `report-key.ts`, and name the field too.
 */
const SINGLE = { message: '$property must be a single string' };

export class StudentReportQuery {
  @ApiProperty({ example: 'STU001', description: '1-128 characters of letters, digits, _ - . @' })
  @IsString(SINGLE)
  studentId!: string;

  @ApiProperty({ example: '5', description: 'digits → Test_N; spaces → _' })
  @IsString(SINGLE)
  testId!: string;

  @ApiPropertyOptional({ example: 'CLASS_123', description: 'absent: render only, store nothing (BYPASS)' })
  @IsOptional()
  @IsString(SINGLE)
  classId?: string;
}

export class OwnReportQuery {
  @ApiProperty({ example: '5', description: 'digits → Test_N; spaces → _' })
  @IsString(SINGLE)
  testId!: string;

  @ApiPropertyOptional({ example: 'CLASS_123' })
  @IsOptional()
  @IsString(SINGLE)
  classId?: string;
}

export const BULK_MAX_STUDENTS = 500;

export class BulkReportBody {
  @ApiProperty({ example: ['STU001', 'STU002'], minItems: 1, maxItems: 500 })
  @IsArray({ message: 'studentIds must be an array of strings' })
  @ArrayMinSize(1, { message: 'studentIds must name at least 1 student' })
  @ArrayMaxSize(BULK_MAX_STUDENTS, { message: `studentIds must name at most ${BULK_MAX_STUDENTS} students` })
  @ArrayUnique({ message: 'studentIds must not repeat a student' })
  @IsString({ each: true, message: 'studentIds must be an array of strings' })
  studentIds!: string[];

  @ApiProperty({ example: '5', description: 'digits → Test_N; spaces → _' })
  @IsString(SINGLE)
  testId!: string;

  @ApiPropertyOptional({ example: 'CLASS_123' })
  @IsOptional()
  @IsString(SINGLE)
  classId?: string;
}
