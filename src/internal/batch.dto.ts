import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsOptional, IsString } from 'class-validator';
import { BATCH_PRIORITIES, type BatchPriority } from '../batches';

export const BATCH_MAX_STUDENTS = 5000;
export const BATCH_MAX_TEACHERS = 200;
const SINGLE = { message: '$property must be a string' };

/** POST /internal/batches: every report of one class and test. Unknown fields are refused. */
export class CreateBatchBody {
  @ApiProperty({ example: 'CLASS_123' })
  @IsString(SINGLE)
  classId!: string;

  @ApiProperty({ example: '5', description: 'digits → Test_N; spaces → _' })
  @IsString(SINGLE)
  testId!: string;

  @ApiProperty({ example: ['STU001', 'STU002'], maxItems: 5000 })
  @IsArray({ message: 'studentIds must be an array of strings' })
  @ArrayMaxSize(BATCH_MAX_STUDENTS, {
    message: `studentIds must name at most ${BATCH_MAX_STUDENTS} students`,
  })
  @ArrayUnique({ message: 'studentIds must not repeat a student' })
  @IsString({ each: true, message: 'studentIds must be an array of strings' })
  studentIds!: string[];

  @ApiPropertyOptional({ example: ['TCH001'], maxItems: 200 })
  @IsOptional()
  @IsArray({ message: 'teacherIds must be an array of strings' })
  @ArrayMaxSize(BATCH_MAX_TEACHERS, {
    message: `teacherIds must name at most ${BATCH_MAX_TEACHERS} teachers`,
  })
  @ArrayUnique({ message: 'teacherIds must not repeat a teacher' })
  @IsString({ each: true, message: 'teacherIds must be an array of strings' })
  teacherIds?: string[];

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean({ message: 'includeOverall must be a boolean' })
  includeOverall?: boolean;

  @ApiPropertyOptional({ example: 'https://tamilnadu.inzighted.com' })
  @IsOptional()
  @IsString(SINGLE)
  origin?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean({ message: 'force must be a boolean' })
  force?: boolean;

  @ApiPropertyOptional({
    example: 'https://backend.example.com/pdf-batches/callback',
    description: 'origin in CALLBACK_ORIGINS',
  })
  @IsOptional()
  @IsString(SINGLE)
  callbackUrl?: string;

  @ApiPropertyOptional({
    enum: BATCH_PRIORITIES,
    default: 'normal',
    description: "a higher priority batch's items go before a lower one's; round-robin within one",
  })
  @IsOptional()
  @IsIn(BATCH_PRIORITIES, { message: `priority must be one of ${BATCH_PRIORITIES.join(', ')}` })
  priority?: BatchPriority;
}

export const BATCH_ITEM_VIEWS = ['all', 'failed', 'none'] as const;
export type BatchItemView = (typeof BATCH_ITEM_VIEWS)[number];

/** GET /internal/batches/:id: which items to list; the state and counters always describe the whole batch. */
export class BatchStatusQuery {
  @ApiPropertyOptional({ enum: BATCH_ITEM_VIEWS, default: 'all', description: 'none answers `items: []`' })
  @IsOptional()
  @IsIn(BATCH_ITEM_VIEWS, { message: `items must be one of ${BATCH_ITEM_VIEWS.join(', ')}` })
  items?: BatchItemView;
}
