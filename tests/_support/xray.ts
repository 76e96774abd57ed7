/**
 * A UDP listener standing in for the X-Ray daemon (`AWS_XRAY_DAEMON_ADDRESS`), for the tests of
 * tracing through X-Ray's SDK.
 *
 * @module
 */

import dgram from "node:dgram";

/** A listening stand-in for the X-Ray daemon. */
export interface XrayDaemon {
  /** `127.0.0.1:<port>`, for `AWS_XRAY_DAEMON_ADDRESS`. */
  address: string;
  /** The segment documents received so far, in order. */
  docs: Record<string, unknown>[];
  /** Stops listening. */
  close(): void;
}

/** Starts a UDP listener on loopback that keeps the segment documents it receives. */
export async function xrayDaemon(): Promise<XrayDaemon> {
  const udp = dgram.createSocket("udp4");
  const docs: Record<string, unknown>[] = [];
  udp.on("message", (bytes: Uint8Array) => {
    // The daemon protocol: a JSON header line, then the segment document.
    const [header, body] = new TextDecoder().decode(bytes).split("\n");
    if (JSON.parse(header).format === "json") docs.push(JSON.parse(body));
  });
  await new Promise<void>((r) => udp.bind(0, "127.0.0.1", () => r()));
  return { address: `127.0.0.1:${udp.address().port}`, docs, close: () => udp.close() };
}
