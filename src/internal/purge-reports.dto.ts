import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { ReportTypeField } from '../reports/report-type.field';

const SINGLE = { message: '$property must be a string' };

/** DELETE /internal/reports: one report, one test of a class, or a whole class. Unknown fields are refused. */
export class PurgeReportsBody {
  @ApiProperty({ example: 'CLASS_123' })
  @IsString(SINGLE)
  classId!: string;

  @ApiPropertyOptional({ example: '5', description: 'digits → Test_N; spaces → _' })
  @IsOptional()
  @IsString(SINGLE)
  testId?: string;

  @ReportTypeField({ required: false })
  reportType?: 'student' | 'teacher' | 'overall';

  @ApiPropertyOptional({ example: 'STU001', description: '1-128 characters of letters, digits, _ - . @' })
  @IsOptional()
  @IsString(SINGLE)
  studentId?: string;

  @ApiPropertyOptional({ example: 'TCH001' })
  @IsOptional()
  @IsString(SINGLE)
  teacherId?: string;
}
