// The AWS SDK's S3 client, pointed at the endpoint in S3_ENDPOINT.
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import process from "node:process";

const s3 = new S3Client({
  endpoint: process.env.S3_ENDPOINT,
  forcePathStyle: true,
  region: "us-east-1",
});

export const handler = async (
  event: { key: string; text: string },
): Promise<{ text: string; etag?: string }> => {
  await s3.send(new PutObjectCommand({ Bucket: "bucket", Key: event.key, Body: event.text }));
  const got = await s3.send(new GetObjectCommand({ Bucket: "bucket", Key: event.key }));
  return { text: (await got.Body?.transformToString()) ?? "", etag: got.ETag };
};
