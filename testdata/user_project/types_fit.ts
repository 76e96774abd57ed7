// Compile-time only: the handler types users already have fit start() without casts.
import type {
  APIGatewayProxyHandlerV2,
  Handler,
  SQSHandler,
} from "npm:@types/aws-lambda@8.10.164";
import { Hono } from "hono";
import { handle } from "hono/aws-lambda";
import { start } from "../../mod.ts";

declare const apigw: APIGatewayProxyHandlerV2;
declare const sqs: SQSHandler;
declare const generic: Handler<{ n: number }, string>;

// The global `awslambda` as @types/aws-lambda declares it.
const streamed = awslambda.streamifyResponse(async (_event, responseStream, _context) => {
  responseStream.write("chunk");
  responseStream.end();
});

export function fits(): void {
  start(apigw);
  start(sqs);
  start(generic);
  start(handle(new Hono()));
  start(streamed);
  // What start() refuses: not a function, a context of the wrong type.
  // @ts-expect-error a string is not a handler
  start("handler");
  // @ts-expect-error the second parameter is the Lambda context
  start((_event: unknown, _context: number) => 1);
}
