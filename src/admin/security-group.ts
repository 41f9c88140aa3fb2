// --authorize-my-ip: the old setup guide's "Configure DE" steps (docs/dba.md#setup-user: an inbound rule for
// Redshift from My IP to the cluster's VPC security group, with a comment) through EC2's API.
// Idempotent: a rule that already lets this address reach the port (on any of the endpoint's
// groups) is reported and nothing is added.
import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import { isIP } from 'node:net';
import { UnreachableError, UsageError, messageOf } from '../errors.js';
import { awsFailure } from '../aws/errors.js';
import { awsClientConfig, type AwsAccess } from '../aws/clients.js';

/** Finds the caller's public address; injectable so tests never leave the machine. */
export type PublicIpLookup = () => Promise<string>;

/** The address AWS sees, from AWS's own echo service (plain text, one line). */
export const checkIpAmazonaws: PublicIpLookup = async () => {
  let text: string;
  try {
    const res = await fetch('https://checkip.amazonaws.com/', { signal: AbortSignal.timeout(10_000) });
    text = (await res.text()).trim();
  } catch (e) {
    throw new UnreachableError(`could not find your public IP address (checkip.amazonaws.com): ${messageOf(e)}`, {
      hint: 'add the inbound rule in the console, or run again with network access',
    });
  }
  if (isIP(text) === 0) throw new UnreachableError(`checkip.amazonaws.com answered something that is not an IP address`);
  return text;
};

export interface IngressRule {
  groupId: string;
  cidr: string;
  port: number;
  description: string;
  status: 'done' | 'already-done' | 'planned';
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** True when `cidr` (IPv4 a.b.c.d/n) contains `ip`; IPv6 only matches its own /128. */
export function cidrContains(cidr: string, ip: string): boolean {
  const [base = '', bitsText] = cidr.split('/');
  if (isIP(ip) === 6 || isIP(base) === 6) return base.toLowerCase() === ip.toLowerCase() && (bitsText === undefined || bitsText === '128');
  if (isIP(base) !== 4 || isIP(ip) !== 4) return false;
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (bits === 0) return true;
  const mask = bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
  return ((ipv4ToInt(base) & mask) >>> 0) === ((ipv4ToInt(ip) & mask) >>> 0);
}

/** Does this permission let `ip` reach TCP `port`? */
export function permits(p: IpPermission, ip: string, port: number): boolean {
  const protocolOk = p.IpProtocol === '-1' || p.IpProtocol === 'tcp' || p.IpProtocol === '6';
  const portOk = p.IpProtocol === '-1' || ((p.FromPort ?? 0) <= port && port <= (p.ToPort ?? 65535));
  if (!protocolOk || !portOk) return false;
  const ranges = isIP(ip) === 6 ? (p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6 ?? '') : (p.IpRanges ?? []).map((r) => r.CidrIp ?? '');
  return ranges.some((c) => cidrContains(c, ip));
}

export async function authorizeMyIp(
  access: AwsAccess,
  input: { groupIds: string[]; port: number; description: string; dryRun: boolean; publicIp: PublicIpLookup },
): Promise<IngressRule> {
  const firstGroup = input.groupIds[0];
  if (!firstGroup) {
    throw new UsageError('the endpoint has no VPC security group to authorize your address on', {
      hint: 'it may be in EC2-Classic or use only a cluster security group; add the rule in the console',
    });
  }
  const ip = await input.publicIp();
  const cidr = isIP(ip) === 6 ? `${ip}/128` : `${ip}/32`;
  const client = new EC2Client(awsClientConfig(access));
  try {
    let groups;
    try {
      groups = (await client.send(new DescribeSecurityGroupsCommand({ GroupIds: input.groupIds }))).SecurityGroups ?? [];
    } catch (e) {
      throw awsFailure(e, { action: 'ec2:DescribeSecurityGroups', region: access.region, resource: `security group ${input.groupIds.join(', ')}` });
    }
    const base = { cidr, port: input.port, description: input.description };
    const existing = groups.find((g) => (g.IpPermissions ?? []).some((p) => permits(p, ip, input.port)));
    if (existing) return { ...base, groupId: existing.GroupId ?? firstGroup, status: 'already-done' };
    if (input.dryRun) return { ...base, groupId: firstGroup, status: 'planned' };
    const range = isIP(ip) === 6 ? { Ipv6Ranges: [{ CidrIpv6: cidr, Description: input.description }] } : { IpRanges: [{ CidrIp: cidr, Description: input.description }] };
    try {
      await client.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: firstGroup,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: input.port, ToPort: input.port, ...range }],
        }),
      );
    } catch (e) {
      // Another run added the same rule between our describe and authorize.
      if ((e as { name?: string }).name === 'InvalidPermission.Duplicate') return { ...base, groupId: firstGroup, status: 'already-done' };
      throw awsFailure(e, { action: 'ec2:AuthorizeSecurityGroupIngress', region: access.region, resource: `security group ${firstGroup}` });
    }
    return { ...base, groupId: firstGroup, status: 'done' };
  } finally {
    client.destroy();
  }
}
