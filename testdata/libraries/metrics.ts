// Powertools Metrics: one EMF document per invocation.
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

const metrics = new Metrics({ namespace: "shop", serviceName: "orders" });

export const handler = (event: { n?: number }): Promise<{ ok: boolean }> => {
  metrics.addMetric("ordersPlaced", MetricUnit.Count, event.n ?? 1);
  metrics.publishStoredMetrics();
  return Promise.resolve({ ok: true });
};
