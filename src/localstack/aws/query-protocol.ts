// The awsQuery protocol of Amazon Redshift's control plane: a form-encoded POST
// (`Action=DescribeClusters&Version=2012-12-01&ClusterIdentifier=…`, lists as
// `DbGroups.DbGroup.1=…`), answered with `<ActionResponse><ActionResult>…` XML, or with an
// `<ErrorResponse>` whose Code the SDK maps to its error name.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';

export const REDSHIFT_API_VERSION = '2012-12-01';
const NAMESPACE = `http://redshift.amazonaws.com/doc/${REDSHIFT_API_VERSION}/`;

/** A list whose items are each wrapped in `<member>` (the member's XML name: `Cluster`, `ClusterIamRole`). */
export class XmlList {
  constructor(
    readonly member: string,
    readonly items: XmlValue[],
  ) {}
}

export type XmlValue = string | number | boolean | Date | XmlList | { [name: string]: XmlValue | undefined };

export interface QueryRequest {
  action: string;
  /** Scalar parameters by name (`DbUser`, `DurationSeconds`). */
  params: Map<string, string>;
  /** A list parameter's items in order, whatever the member name (`DbGroups.DbGroup.N` or `DbGroups.member.N`). */
  list(name: string): string[];
}

export function parseQuery(body: string): QueryRequest {
  const params = new Map(new URLSearchParams(body));
  return {
    action: params.get('Action') ?? '',
    params,
    list(name) {
      const items: [number, string][] = [];
      for (const [k, v] of params) {
        const m = /^([^.]+)\.[^.]+\.(\d+)$/.exec(k);
        if (m && m[1] === name) items.push([Number(m[2]), v]);
      }
      return items.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
    },
  };
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function element(name: string, value: XmlValue | undefined): string {
  if (value === undefined) return '';
  if (value instanceof XmlList) return `<${name}>${value.items.map((i) => element(value.member, i)).join('')}</${name}>`;
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === 'object') return `<${name}>${Object.entries(value).map(([k, v]) => element(k, v)).join('')}</${name}>`;
  return `<${name}>${escape(String(value))}</${name}>`;
}

function send(res: ServerResponse, status: number, requestId: string, xml: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
}

export function queryResult(res: ServerResponse, action: string, result: Record<string, XmlValue | undefined>): void {
  const requestId = randomUUID();
  const body = Object.entries(result).map(([k, v]) => element(k, v)).join('');
  send(
    res,
    200,
    requestId,
    `<${action}Response xmlns="${NAMESPACE}"><${action}Result>${body}</${action}Result>` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  );
}

export function queryError(res: ServerResponse, e: ApiError): void {
  const requestId = randomUUID();
  const type = e.status >= 500 ? 'Receiver' : 'Sender';
  send(
    res,
    e.status,
    requestId,
    `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>${type}</Type><Code>${escape(e.code)}</Code>` +
      `<Message>${escape(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  );
}
