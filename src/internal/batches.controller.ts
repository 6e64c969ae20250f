import { ApiHeader, ApiOkResponse, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ApiErrors, BackendErrorAnswer } from '../docs/api-answers';
import { SERVICE_TOKEN } from '../docs/openapi';
import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  Param,
  Post,
  Query,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { Response } from 'express';
import { Public, ServiceTokenGuard } from '../auth';
import { BatchesService, type BatchStatus } from '../batches';
import { InvalidInput } from '../common/domain.errors';
import { frontendInput, strictInput } from '../common/validation.pipes';
import { BatchStatusQuery, CreateBatchBody } from './batch.dto';
import { TriggerExceptionFilter } from './trigger-exception.filter';

const ACCEPTED_SCHEMA = {
  type: 'object',
  properties: {
    success: { type: 'boolean', example: true },
    batchId: { type: 'string', format: 'uuid' },
    state: { type: 'string', enum: ['queued', 'running', 'completed', 'cancelled'] },
    total: { type: 'integer' },
    statusUrl: { type: 'string' },
  },
};
const STATUS_SCHEMA = {
  type: 'object',
  properties: {
    batchId: { type: 'string', format: 'uuid' },
    classId: { type: 'string' },
    testId: { type: 'string' },
    state: { type: 'string', enum: ['queued', 'running', 'completed', 'cancelled'] },
    total: { type: 'integer' },
    succeeded: { type: 'integer' },
    failed: { type: 'integer' },
    pending: { type: 'integer' },
    createdAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time', nullable: true },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          reportType: { type: 'string' },
          studentId: { type: 'string' },
          teacherId: { type: 'string' },
          s3Key: { type: 'string' },
          state: { type: 'string', enum: ['pending', 'active', 'succeeded', 'failed', 'cancelled'] },
          attempts: { type: 'integer' },
          error: { type: 'string' },
        },
      },
    },
    callback: {
      type: 'object',
      properties: {
        state: { type: 'string', enum: ['none', 'pending', 'delivered', 'failed'] },
        attempts: { type: 'integer' },
      },
    },
  },
};

/** 202 for a new batch, 200 for the same Idempotency-Key and body again. */
export interface BatchAccepted {
  success: true;
  batchId: string;
  state: BatchStatus['state'];
  total: number;
  statusUrl: string;
}

/** Batch pre-generation for the backend: create, look up, cancel (any replica). */
@ApiTags('backend')
@ApiSecurity(SERVICE_TOKEN)
@ApiErrors([401, 404], BackendErrorAnswer)
@Controller('internal/batches')
@Public()
@UseGuards(ServiceTokenGuard)
@UseFilters(TriggerExceptionFilter)
export class BatchesController {
  constructor(private readonly batches: BatchesService) {}

  @Post()
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: '1-128 characters; same key + body → same batch',
  })
  @ApiResponse({ status: 202, description: 'queued', schema: ACCEPTED_SCHEMA })
  @ApiResponse({
    status: 200,
    description: 'the same Idempotency-Key and body again: the same batch',
    schema: ACCEPTED_SCHEMA,
  })
  @ApiErrors([400, 409, 413], BackendErrorAnswer)
  async create(
    @Body(strictInput) body: CreateBatchBody,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<BatchAccepted> {
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,128}$/.test(idempotencyKey)) {
      throw new InvalidInput('Idempotency-Key', 'must be 1-128 visible ASCII characters');
    }
    const { status, created } = await this.batches.create(
      {
        classId: body.classId,
        testId: body.testId,
        studentIds: body.studentIds,
        teacherIds: body.teacherIds ?? [],
        includeOverall: body.includeOverall ?? false,
        origin: body.origin,
        force: body.force ?? true,
        callbackUrl: body.callbackUrl,
        priority: body.priority ?? 'normal',
      },
      idempotencyKey,
    );
    res.status(created ? 202 : 200);
    return {
      success: true,
      batchId: status.batchId,
      // A new batch is answered as accepted ("queued"), even if a worker took its first item already.
      state: created && status.state === 'running' ? 'queued' : status.state,
      total: status.total,
      statusUrl: `/internal/batches/${status.batchId}`,
    };
  }

  @Get(':batchId')
  @ApiOkResponse({ description: 'the batch and its items', schema: STATUS_SCHEMA })
  status(
    @Param('batchId') batchId: string,
    @Query(frontendInput) query: BatchStatusQuery,
  ): Promise<BatchStatus> {
    return this.batches.status(batchId, query.items ?? 'all');
  }

  @Delete(':batchId')
  @ApiOkResponse({
    description: 'cancelled: pending items cancelled, active ones finish',
    schema: STATUS_SCHEMA,
  })
  @ApiErrors([409], BackendErrorAnswer)
  cancel(@Param('batchId') batchId: string): Promise<BatchStatus> {
    return this.batches.cancel(batchId);
  }
}
