import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString } from 'class-validator';
import { ReportTypeField } from '../reports/report-type.field';

const SINGLE = { message: '$property must be a string' };

/** The Django backend's trigger body (the seed's shape, plus `force`). Unknown fields are refused. */
export class TriggerGeneratePdfBody {
  @ApiProperty({ example: '5', description: 'digits → Test_N; spaces → _' })
  @IsString(SINGLE)
  testId!: string;

  @ApiProperty({ example: 'CLASS_123' })
  @IsString(SINGLE)
  classId!: string;

  @ReportTypeField({ required: true, example: 'student' })
  reportType!: 'student' | 'teacher' | 'overall';

  @ApiPropertyOptional({ example: 'STU001', description: '1-128 characters of letters, digits, _ - . @' })
  @IsOptional()
  @IsString(SINGLE)
  studentId?: string;

  @ApiPropertyOptional({ example: 'TCH001' })
  @IsOptional()
  @IsString(SINGLE)
  teacherId?: string;

  @ApiPropertyOptional({ example: 'https://tamilnadu.inzighted.com', description: 'one of FRONTEND_ORIGINS' })
  @IsOptional()
  @IsString(SINGLE)
  origin?: string;

  @ApiPropertyOptional({ description: 'a report token signed with JWT_SECRET; else the service mints one' })
  @IsOptional()
  @IsString(SINGLE)
  reportToken?: string;

  @ApiPropertyOptional({ default: true, description: 'false keeps a stored PDF' })
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
