import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  Param,
  Post,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { Response } from 'express';
import { Public, ServiceTokenGuard } from '../auth';
import { BatchesService, type BatchStatus } from '../batches';
import { InvalidInput } from '../common/domain.errors';
import { strictInput } from '../common/validation.pipes';
import { CreateBatchBody } from './batch.dto';
import { TriggerExceptionFilter } from './trigger-exception.filter';

/** 202 for a new batch, 200 for the same Idempotency-Key and body again. */
export interface BatchAccepted {
  success: true;
  batchId: string;
  state: BatchStatus['state'];
  total: number;
  statusUrl: string;
}

/** Batch pre-generation for the backend: create, look up, cancel (any replica). */
@Controller('internal/batches')
@Public()
@UseGuards(ServiceTokenGuard)
@UseFilters(TriggerExceptionFilter)
export class BatchesController {
  constructor(private readonly batches: BatchesService) {}

  @Post()
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
  status(@Param('batchId') batchId: string): Promise<BatchStatus> {
    return this.batches.status(batchId);
  }

  @Delete(':batchId')
  cancel(@Param('batchId') batchId: string): Promise<BatchStatus> {
    return this.batches.cancel(batchId);
  }
}
