// Who the local AWS control plane thinks is calling (it checks no signature), and the database
// user Redshift maps that IAM identity to for GetClusterCredentialsWithIAM and Redshift
// Serverless GetCredentials: `IAMR:<role>` for a role (also an assumed-role session), `IAM:<user>`
// for an IAM user.

export const LOCAL_ACCOUNT = '000000000000';

export const DEFAULT_CALLER = `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/rsetl-local/rsetl`;

export function dbUserOfCaller(arn: string): string {
  const m = /^arn:aws[\w-]*:(iam|sts)::\d{12}:(assumed-role|role|user)\/(.+)$/.exec(arn);
  if (!m) throw new Error(`not an IAM user, role or assumed-role ARN: ${arn}`);
  const [, , kind, rest] = m;
  const parts = rest!.split('/');
  // assumed-role/<role>/<session>; role/<path>/<role>; user/<path>/<user>
  const name = kind === 'assumed-role' ? parts[0]! : parts[parts.length - 1]!;
  return `${kind === 'user' ? 'IAM' : 'IAMR'}:${name}`;
}
