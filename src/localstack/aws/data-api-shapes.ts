// The Data API's answers about a statement, in the service model's shapes: DescribeStatement (of
// a statement, or of one part of a batch by `<id>:<n>`), its SubStatements, and the summary
// ListStatements gives. A batch as a whole reports no QueryString, ResultRows/ResultSize -1 and
// RedshiftQueryId 0, its parts their own values, as the service does.
import { epochSeconds } from './json-protocol.js';
import type { DataStatement, StatementPart } from './data-api-statements.js';

type Shape = Record<string, unknown>;

function targetMembers(s: DataStatement): Shape {
  const t = s.target;
  return {
    Database: t.database,
    ...(t.dbUser !== undefined ? { DbUser: t.dbUser } : {}),
    ...(t.clusterIdentifier !== undefined ? { ClusterIdentifier: t.clusterIdentifier } : {}),
    ...(t.workgroupName !== undefined ? { WorkgroupName: t.workgroupName } : {}),
    ...(t.secretArn !== undefined ? { SecretArn: t.secretArn } : {}),
  };
}

function partMembers(p: StatementPart): Shape {
  return {
    Status: p.status,
    ...(p.error !== undefined ? { Error: p.error } : {}),
    Duration: p.durationNs,
    HasResultSet: p.hasResultSet,
    QueryString: p.sql,
    ResultRows: p.resultRows,
    ResultSize: p.resultSize,
    RedshiftQueryId: p.redshiftQueryId,
    CreatedAt: epochSeconds(p.createdAt),
    UpdatedAt: epochSeconds(p.updatedAt),
  };
}

export function subStatement(s: DataStatement, index: number): Shape {
  return { Id: `${s.id}:${index + 1}`, ...partMembers(s.parts[index]!) };
}

export function describe(s: DataStatement, partIndex?: number): Shape {
  const common = {
    ...targetMembers(s),
    RedshiftPid: s.pid,
    ResultFormat: 'JSON',
    ...(s.sessionId !== undefined ? { SessionId: s.sessionId } : {}),
    ...(s.parameters ? { QueryParameters: s.parameters } : {}),
  };
  if (partIndex !== undefined) return { Id: `${s.id}:${partIndex + 1}`, ...common, ...partMembers(s.parts[partIndex]!) };
  if (!s.batch) {
    return {
      Id: s.id,
      ...common,
      ...partMembers(s.parts[0]!),
      // The statement's own status and times: a connection failure is the statement's, not its SQL's.
      Status: s.status,
      ...(s.error !== undefined ? { Error: s.error } : {}),
      CreatedAt: epochSeconds(s.createdAt),
      UpdatedAt: epochSeconds(s.updatedAt),
    };
  }
  return {
    Id: s.id,
    ...common,
    Status: s.status,
    ...(s.error !== undefined ? { Error: s.error } : {}),
    CreatedAt: epochSeconds(s.createdAt),
    UpdatedAt: epochSeconds(s.updatedAt),
    Duration: s.parts.reduce((sum, p) => sum + p.durationNs, 0),
    HasResultSet: s.parts.some((p) => p.hasResultSet),
    ResultRows: -1,
    ResultSize: -1,
    RedshiftQueryId: 0,
    ExecutionMode: s.transaction ? 'TRANSACTION' : 'AUTO_COMMIT',
    SubStatements: s.parts.map((_, i) => subStatement(s, i)),
  };
}

export function summary(s: DataStatement): Shape {
  return {
    Id: s.id,
    ...(s.batch ? { QueryStrings: s.parts.map((p) => p.sql) } : { QueryString: s.parts[0]!.sql }),
    IsBatchStatement: s.batch,
    Status: s.status,
    ...(s.name !== undefined ? { StatementName: s.name } : {}),
    CreatedAt: epochSeconds(s.createdAt),
    UpdatedAt: epochSeconds(s.updatedAt),
    ...(s.parameters ? { QueryParameters: s.parameters } : {}),
    ...(s.target.secretArn !== undefined ? { SecretArn: s.target.secretArn } : {}),
    ...(s.sessionId !== undefined ? { SessionId: s.sessionId } : {}),
    ResultFormat: 'JSON',
  };
}
