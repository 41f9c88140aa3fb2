// Reading privilege lists (aclitem[]) from the catalog: `nspacl`, `relacl`, `pg_default_acl`.
// has_table_privilege() answers for a user, not a group, on Redshift; the ACL text answers for a
// group on both systems. Redshift writes a group grantee as `group client_ro_group=r/owner`,
// PostgreSQL as `client_ro_group=r/owner`; PUBLIC is an empty grantee (`=r/owner`).

export interface AclItem {
  /** '' for PUBLIC. */
  grantee: string;
  isGroup: boolean;
  /** Privilege letters, `*` (grant option) removed: r SELECT, U USAGE, C CREATE, a INSERT, ... */
  privileges: string;
  grantor: string;
}

/** The elements of an array literal `{a,"b c",d}`; NULL and '' give []. */
export function parseArrayLiteral(text: string | null | undefined): string[] {
  if (!text) return [];
  const body = text.trim().replace(/^\{/, '').replace(/\}$/, '');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let inQuotes = false;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (inQuotes) {
      if (ch === '\\') cur += body[++i] ?? '';
      else if (ch === '"') inQuotes = false;
      else cur += ch;
    } else if (ch === '"') {
      inQuotes = true;
      quoted = true;
    } else if (ch === ',') {
      if (cur !== '' || quoted) out.push(cur);
      cur = '';
      quoted = false;
    } else cur += ch;
  }
  if (cur !== '' || quoted) out.push(cur);
  return out;
}

function unquoteName(name: string): string {
  return name.startsWith('"') && name.endsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name;
}

export function parseAclItem(item: string): AclItem | undefined {
  const eq = item.lastIndexOf('=', item.lastIndexOf('/'));
  const slash = item.lastIndexOf('/');
  if (eq < 0 || slash < eq) return undefined;
  let grantee = item.slice(0, eq).trim();
  let isGroup = false;
  if (/^group\s+/i.test(grantee)) {
    isGroup = true;
    grantee = grantee.replace(/^group\s+/i, '');
  }
  return {
    grantee: unquoteName(grantee),
    isGroup,
    privileges: item.slice(eq + 1, slash).replace(/\*/g, ''),
    grantor: unquoteName(item.slice(slash + 1)),
  };
}

export function parseAcl(text: string | null | undefined): AclItem[] {
  return parseArrayLiteral(text).flatMap((i) => parseAclItem(i) ?? []);
}

/**
 * Does the ACL give `privilege` (one letter) to the group or to PUBLIC? `undefined` ACL text
 * means the default: only the owner (and superusers), which never includes a group.
 */
export function groupHas(aclText: string | null | undefined, group: string, privilege: string): { granted: boolean; via?: 'group' | 'public' } {
  const items = parseAcl(aclText).filter((i) => i.privileges.includes(privilege));
  if (items.some((i) => i.grantee === group)) return { granted: true, via: 'group' };
  if (items.some((i) => i.grantee === '' && !i.isGroup)) return { granted: true, via: 'public' };
  return { granted: false };
}
