// Powertools Logger with its class-method decorator (needs experimentalDecorators).
import { Logger } from "@aws-lambda-powertools/logger";
import type { Context } from "aws-lambda";

const logger = new Logger({ serviceName: "orders" });

class Lambda {
  @logger.injectLambdaContext()
  handler(event: { orderId: string }, _context: Context): Promise<{ ok: boolean }> {
    logger.info("processing order", { orderId: event.orderId });
    return Promise.resolve({ ok: true });
  }
}

const lambda = new Lambda();
export const handler = lambda.handler.bind(lambda);
