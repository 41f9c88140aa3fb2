import type { Command } from 'commander';
import type { SetupUserInput, SetupUserResult } from '../../admin/setup-user.js';
import type { RedshiftTarget } from '../../admin/redshift-endpoint.js';
import type { RsetlConfig } from '../../config/schema.js';
import { UsageError } from '../../errors.js';
import { runCommand, withCommonOptions, type Output } from '../context.js';
import { awsOption, nameOption, passwordOption, pathOption, urlOption } from '../option-values.js';
import { checkOutputFile } from '../paths.js';
import { toJsonLine } from '../render.js';

interface Opts {
  user?: string;
  password?: string;
  configOut?: string;
  cluster?: string;
  workgroup?: string;
  region?: string;
  profile?: string;
  adminUser: string;
  adminDatabase: string;
  adminUrl?: string;
  resetPassword?: boolean;
  authorizeMyIp?: boolean;
  force?: boolean;
  yes?: boolean;
  dryRun?: boolean;
  config?: string;
  json?: boolean;
}

const interactive = (json: boolean) => !json && process.stdin.isTTY === true && process.stdout.isTTY === true;

/** Fills what is missing: by asking on a terminal, else a usage error (a script never waits). */
async function complete(opts: Opts, cfg: RsetlConfig | undefined, ask: boolean): Promise<SetupUserInput> {
  const { default: inquirer } = ask ? await import('inquirer') : { default: undefined };
  let user = opts.user;
  if (!user) {
    if (!inquirer) throw new UsageError('--user NAME is required', { hint: 'e.g. rsetl setup-user --user jdoe --cluster nonprod --yes' });
    ({ user } = await inquirer.prompt<{ user: string }>([{ type: 'input', name: 'user', message: 'Redshift user name to create (lower case):' }]));
  }
  let target: RedshiftTarget | undefined;
  if (opts.cluster && opts.workgroup) throw new UsageError('give --cluster or --workgroup, not both');
  if (opts.cluster) target = { kind: 'cluster', id: opts.cluster };
  else if (opts.workgroup) target = { kind: 'workgroup', name: opts.workgroup };
  else if (opts.adminUrl === undefined && cfg?.redshift.clusterIdentifier) target = { kind: 'cluster', id: cfg.redshift.clusterIdentifier };
  else if (opts.adminUrl === undefined && cfg?.redshift.workgroup) target = { kind: 'workgroup', name: cfg.redshift.workgroup };
  if (!target && opts.adminUrl === undefined) {
    if (!inquirer) throw new UsageError('give --cluster ID (provisioned) or --workgroup NAME (Serverless), or --admin-url URL');
    const a = await inquirer.prompt<{ kind: 'cluster' | 'workgroup'; name: string }>([
      { type: 'select', name: 'kind', message: 'Redshift kind:', choices: [{ name: 'provisioned cluster', value: 'cluster' }, { name: 'Serverless workgroup', value: 'workgroup' }] },
      { type: 'input', name: 'name', message: 'Cluster identifier or workgroup name:' },
    ]);
    target = a.kind === 'cluster' ? { kind: 'cluster', id: a.name } : { kind: 'workgroup', name: a.name };
  }
  let region = opts.region ?? cfg?.redshift.region ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || undefined);
  if (target && !region) {
    if (!inquirer) throw new UsageError('--region is required with --cluster/--workgroup (or set AWS_REGION, or redshift.region in the config)');
    ({ region } = await inquirer.prompt<{ region: string }>([{ type: 'input', name: 'region', message: 'AWS region:', default: 'us-east-1' }]));
  }
  return {
    user: user!,
    ...(opts.password !== undefined && { password: opts.password }),
    ...(opts.configOut !== undefined && { configOut: opts.configOut }),
    ...(opts.adminUrl !== undefined && { adminUrl: opts.adminUrl }),
    ...(target && { target, aws: { region: region!, ...(opts.profile && { profile: opts.profile }) } }),
    adminUser: opts.adminUser,
    adminDatabase: opts.adminDatabase,
    ...(cfg?.redshift.ssl !== undefined && opts.adminUrl === undefined && { ssl: cfg.redshift.ssl }),
    resetPassword: opts.resetPassword === true,
    authorizeMyIp: opts.authorizeMyIp === true,
    force: opts.force === true,
    dryRun: opts.dryRun === true,
  };
}

async function confirmed(input: SetupUserInput): Promise<boolean> {
  const { default: inquirer } = await import('inquirer');
  const where = input.adminUrl ? 'the --admin-url server' : input.target?.kind === 'cluster' ? `cluster ${input.target.id}` : `workgroup ${input.target?.kind === 'workgroup' ? input.target.name : ''}`;
  const what = [
    ...(input.authorizeMyIp ? ["allow your IP address on the endpoint's security group"] : []),
    `create user ${input.user} (CREATEDB) and database ${input.user}db unless they exist`,
    ...(input.resetPassword ? [`reset ${input.user}'s password`] : []),
    `write ${input.configOut ?? './rsetl.config.json'}`,
  ];
  const { ok } = await inquirer.prompt<{ ok: boolean }>([{ type: 'confirm', name: 'ok', message: `On ${where}: ${what.join('; ')}. Go ahead?`, default: true }]);
  return ok;
}

/**
 * The one place a secret is printed on purpose: the password rsetl generated, once. Everything
 * else still goes through redaction (the password is a registered secret, so `out` masks it).
 */
function showOnce(out: Output, r: SetupUserResult): void {
  const { generatedPassword, ...rest } = r;
  if (out.json) {
    const safe = JSON.parse(toJsonLine(rest)) as Record<string, unknown>;
    process.stdout.write(`${JSON.stringify(generatedPassword === undefined ? safe : { ...safe, password: generatedPassword })}\n`);
    return;
  }
  if (generatedPassword !== undefined) {
    process.stdout.write(`\nGenerated password for ${r.user} (shown once; it is in ${r.configPath}): ${generatedPassword}\n`);
  }
}

function render(out: Output, r: SetupUserResult): void {
  out.info(`${r.dryRun ? 'plan (dry run, nothing changed)' : 'setup-user'} for ${r.user} on ${r.host}:${r.port}, database ${r.database}`);
  out.table(r.steps, ['step', 'status', 'detail']);
  showOnce(out, r);
  out.info('\nNext steps:');
  r.nextSteps.forEach((s, i) => out.info(`  ${i + 1}. ${s}`));
}

export function registerSetupUser(program: Command): void {
  withCommonOptions(
    program
      .command('setup-user')
      .description('create your personal Redshift user (CREATEDB) and database, optionally allow your IP, and write a config file')
      .option('--user <name>', 'the Redshift user to create; the database is <name>db', nameOption)
      .option('--password <pw>', 'its password (default: a generated one, shown once)', passwordOption)
      .option('--config-out <file>', 'where to write the config file (default ./rsetl.config.json; mode 600)', pathOption('out-file'))
      .option('--cluster <id>', 'provisioned cluster: DescribeClusters + GetClusterCredentials (default redshift.clusterIdentifier)', awsOption('cluster'))
      .option('--workgroup <name>', 'Serverless workgroup: GetWorkgroup + GetCredentials (default redshift.workgroup)', awsOption('workgroup'))
      .option('--region <region>', 'AWS region (default redshift.region, AWS_REGION)', awsOption('region'))
      .option('--profile <name>', 'AWS shared-config / SSO profile (default: the AWS default credential chain)', awsOption('profile'))
      .option('--admin-user <user>', 'admin database user for GetClusterCredentials', nameOption, 'awsuser')
      .option('--admin-database <db>', 'database the admin connects to', nameOption, 'dev')
      .option('--admin-url <url>', 'connect as this admin instead of looking the cluster up in AWS (redshift:// or postgres:// URL)', urlOption('redshift'))
      .option('--reset-password', "change an existing user's password (default: left alone)")
      .option('--authorize-my-ip', "add an inbound rule for your public IP to the cluster's VPC security group, unless one exists")
      .option('--force', 'replace an existing config file')
      .option('--yes', 'do not ask for confirmation')
      .option('--dry-run', 'look, and print the plan, without changing anything')
      .addHelpText(
        'after',
        '\nExamples:\n  rsetl setup-user --user jdoe --cluster nonprod --region us-east-1 --authorize-my-ip --yes\n  rsetl setup-user --user jdoe --workgroup analytics --region eu-west-1 --profile dev --dry-run\n  rsetl setup-user --user jdoe --admin-url postgres://postgres:pw@127.0.0.1:5439/dev --config-out jdoe.json --yes\n',
      ),
  ).action(async (opts: Opts, cmd: Command) =>
    runCommand(cmd, async ({ out, config }) => {
      // Before any connection: the file holds the only copy of a generated password, so a path it
      // cannot be written to must stop the command before the user is created.
      if (opts.configOut !== undefined) await checkOutputFile('--config-out', opts.configOut);
      // The config file is optional here (setup-user writes one); it can name the cluster and region.
      let cfg: RsetlConfig | undefined;
      try {
        cfg = await config([]);
      } catch (e) {
        if (opts.config !== undefined || process.env.RSETL_CONFIG) throw e;
      }
      const ask = interactive(out.json);
      const input = await complete(opts, cfg, ask);
      if (ask && !opts.yes && !input.dryRun && !(await confirmed(input))) {
        out.info('nothing changed');
        return 0;
      }
      const { setupUser } = await import('../../admin/setup-user.js'); // the AWS SDK clients load on use
      const r = await setupUser(input);
      if (out.json) showOnce(out, r);
      else render(out, r);
      return 0;
    }),
  );
}
