// The awsJson1_1 protocol of Redshift Serverless, Secrets Manager and the Redshift Data API: a POST whose
// `X-Amz-Target: <Service>.<Action>` names the action, a JSON body, and a JSON answer; an error
// is `{"__type": "<Code>", "message": …}` with the status the service model gives the code.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ApiError } from './api-error.js';

const CONTENT_TYPE = 'application/x-amz-json-1.1';

export function jsonResult(res: ServerResponse, result: unknown): void {
  res.writeHead(200, { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': randomUUID() });
  res.end(JSON.stringify(result));
}

/**
 * Secrets Manager's and the Data API's error shapes spell the member `Message`, Redshift
 * Serverless's `message`.
 */
export function jsonError(res: ServerResponse, e: ApiError, messageKey: 'message' | 'Message'): void {
  res.writeHead(e.status, { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': randomUUID() });
  res.end(JSON.stringify({ __type: e.code, [messageKey]: e.message, ...e.fields }));
}

/** A JSON timestamp as the SDK reads it by default: seconds since the epoch. */
export function epochSeconds(d: Date): number {
  return d.getTime() / 1000;
}
