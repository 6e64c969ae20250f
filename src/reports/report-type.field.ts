import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { REPORT_KINDS } from '../report';

/** A DTO's `reportType`: one of the report kinds, described once for validation and the API document. */
export function ReportTypeField(options: { required: boolean; example?: string }): PropertyDecorator {
  const validated = IsIn([...REPORT_KINDS], {
    message: `reportType must be one of ${REPORT_KINDS.join(', ')}`,
  });
  return options.required
    ? applyDecorators(ApiProperty({ enum: REPORT_KINDS, example: options.example }), validated)
    : applyDecorators(
        ApiPropertyOptional({ enum: REPORT_KINDS, example: options.example }),
        IsOptional(),
        validated,
      );
}
