// One HTTP server for the local AWS control plane: the real SDK v3 clients reach it with
// `endpoint: <its url>` and any static credentials (no signature is checked). A request is routed
// by its protocol: an `X-Amz-Target` header names a JSON action (Redshift Serverless, Secrets
// Manager, the Redshift Data API); a form-encoded body with `Action=` is a Redshift query action.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';
import type { DataApi } from './data-api.js';
import { jsonError, jsonResult } from './json-protocol.js';
import { parseQuery, queryError, queryResult } from './query-protocol.js';
import { redshiftAction } from './redshift-api.js';
import type { AwsRegistry } from './registry.js';
import { secretsAction } from './secrets-api.js';
import { serverlessAction } from './serverless-api.js';

/**
 * Far above any request the services take (the largest, a Data API batch of 40 SQL texts of
 * 100 KB, is about 4 MB); a runaway client must not fill the memory.
 */
const MAX_BODY_BYTES = 8 << 20;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'RequestEntityTooLarge', 'The request body is too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function internal(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(500, 'InternalFailure', `the local AWS server failed: ${(e as Error)?.message ?? String(e)}`);
}

async function handleJson(target: string, body: string, res: ServerResponse, registry: AwsRegistry, dataApi: DataApi): Promise<void> {
  const [service = '', action = ''] = target.split('.');
  const messageKey = service === 'RedshiftServerless' ? 'message' : 'Message';
  try {
    let input: Record<string, unknown>;
    try {
      input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    } catch {
      throw new ApiError(400, 'SerializationException', 'The request body is not valid JSON.');
    }
    if (service === 'RedshiftServerless') return jsonResult(res, serverlessAction(action, input, registry));
    if (service === 'secretsmanager') return jsonResult(res, secretsAction(action, input, registry));
    if (service === 'RedshiftData') return jsonResult(res, await dataApi.handle(action, input));
    throw new ApiError(400, 'UnknownOperationException', `Unknown operation ${target}`);
  } catch (e) {
    jsonError(res, internal(e), messageKey);
  }
}

function handleQuery(body: string, res: ServerResponse, registry: AwsRegistry): void {
  const req = parseQuery(body);
  try {
    queryResult(res, req.action, redshiftAction(req, registry));
  } catch (e) {
    queryError(res, internal(e));
  }
}

export function createAwsServer(registry: AwsRegistry, dataApi: DataApi) {
  return createServer((req, res) => {
    void (async () => {
      try {
        const body = await readBody(req);
        const target = req.headers['x-amz-target'];
        if (req.method !== 'POST') throw new ApiError(405, 'MethodNotAllowed', 'The local AWS server takes POST requests only.');
        if (typeof target === 'string') return await handleJson(target, body, res, registry, dataApi);
        return handleQuery(body, res, registry);
      } catch (e) {
        if (!res.headersSent) queryError(res, internal(e));
      }
    })();
  });
}
