import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { ReportTypeField } from '../reports/report-type.field';

const SINGLE = { message: '$property must be a single string' };

/** GET /report-status: one report; ids default to the caller's own (validated by the report model). */
export class ReportStatusQuery {
  @ReportTypeField({ required: true })
  reportType!: 'student' | 'teacher' | 'overall';

  @ApiProperty({ example: 'CLASS_123', required: true })
  @IsOptional()
  @IsString(SINGLE)
  classId?: string;

  @ApiProperty({ example: '5', description: 'digits → Test_N; spaces → _' })
  @IsString(SINGLE)
  testId!: string;

  @ApiPropertyOptional({ description: "default: a student caller's own id" })
  @IsOptional()
  @IsString(SINGLE)
  studentId?: string;

  @ApiPropertyOptional({ description: "default: the caller's own id" })
  @IsOptional()
  @IsString(SINGLE)
  teacherId?: string;
}

/** GET /report-status/class: every report of one class and test. */
export class ClassStatusQuery {
  @ApiProperty({ example: 'CLASS_123', required: true })
  @IsOptional()
  @IsString(SINGLE)
  classId?: string;

  @ApiProperty({ example: '5', description: 'digits → Test_N; spaces → _' })
  @IsString(SINGLE)
  testId!: string;
}
