// Powertools Batch: SQS partial batch failure.
import {
  BatchProcessor,
  EventType,
  processPartialResponse,
} from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";

const processor = new BatchProcessor(EventType.SQS);

const recordHandler = (record: SQSRecord): Promise<void> => {
  const body = JSON.parse(record.body) as { fail?: boolean };
  if (body.fail) return Promise.reject(new Error(`cannot process ${record.messageId}`));
  return Promise.resolve();
};

export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(event, recordHandler, processor, { context });
