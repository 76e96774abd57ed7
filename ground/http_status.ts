/**
 * The library's one table of HTTP reason phrases (RFC 9110's, for the statuses it writes or
 * describes): the HTTP/1 codec's status lines and an ALB result's `statusDescription`. A module of
 * its own, so that an HTTP handler's result does not load the codec.
 *
 * @module
 */

const REASONS: Readonly<Record<number, string>> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No Content",
  206: "Partial Content",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  410: "Gone",
  412: "Precondition Failed",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
};

/**
 * The reason phrase of `status` (`"Not Found"`), or `fallback` for a status not in the table
 * (`"Status"`, a valid phrase for a status line).
 */
export function reasonPhrase(status: number, fallback = "Status"): string {
  return REASONS[status] ?? fallback;
}
