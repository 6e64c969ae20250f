import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import type { StoredObject } from './report-storage';

/** The parts of a HeadObject or GetObject answer that say what the object is. */
export type ObjectAnswer = Pick<
  GetObjectCommandOutput,
  'ContentLength' | 'ETag' | 'LastModified' | 'Metadata'
>;

/** What an S3 answer says of the object, with the same stand-ins wherever the answer is silent. */
export function factsOf(answer: ObjectAnswer, objectKey: string): StoredObject {
  return {
    size: answer.ContentLength ?? 0,
    etag: answer.ETag ?? `"${objectKey}"`,
    lastModified: answer.LastModified ?? new Date(0),
    metadata: answer.Metadata ?? {},
  };
}
