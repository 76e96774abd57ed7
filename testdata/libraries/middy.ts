// middy with its JSON body parser and HTTP error handler, as middy documents them.
import middy from "@middy/core";
import httpJsonBodyParser from "@middy/http-json-body-parser";
import httpErrorHandler from "@middy/http-error-handler";
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from "aws-lambda";

class UnprocessableError extends Error {
  statusCode = 422;
  expose = true;
}

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(httpJsonBodyParser())
  .use(httpErrorHandler())
  .handler((event) => {
    // The body parser has replaced the JSON text with its value.
    const body = event.body as unknown as { name?: string };
    if (!body.name) return Promise.reject(new UnprocessableError("name is required"));
    return Promise.resolve({ statusCode: 200, body: JSON.stringify({ hello: body.name }) });
  });
