import type { Command } from 'commander';
import { loadLocalStack } from '../../optional-packages.js';
import { EXIT } from '../exit-codes.js';
import { choiceOption, intOption } from '../option-values.js';
import { runCommand, withCommonOptions } from '../context.js';

export function registerDemo(program: Command): void {
  withCommonOptions(
    program
      .command('demo')
      .description('run the whole cycle on an embedded local stack: generate LMS events, init-etl, poll, show rows per table')
      .option('--users <n>', 'learners to simulate (1 to 10,000)', intOption(1, 10_000))
      .option('--sections <n>', 'course sections to simulate (1 to 100)', intOption(1, 100))
      .option('--transport <how>', 'how rsetl reaches the stand-in: postgres (default) or data-api (the local Redshift Data API)', choiceOption(['postgres', 'data-api'] as const))
      .addHelpText('after', '\nExample:\n  npx rsetl demo\n'),
  ).action(async (opts: { users?: number; sections?: number; transport?: 'postgres' | 'data-api' }, cmd: Command) =>
    runCommand(cmd, async ({ out }) => {
      // Loaded on use: the whole local stack, whose packages are optional (src/optional-packages.ts).
      const { runDemo } = await loadLocalStack('demo', () => import('../../demo/run-demo.js'));
      const r = await runDemo({ ...opts, onProgress: (m) => !out.json && out.info(m) });
      if (out.json) out.result(r);
      else {
        out.table(Object.entries(r.rowsPerTable).map(([table, rows]) => ({ table, rows })));
        if (r.failed) out.warn(`the load failed: ${JSON.stringify(r.failed.map((b) => ('error' in b ? b.error : b.status)))}`);
        else out.success(`${r.events} events loaded into schema ${r.schema} in ${r.loads} load(s), ${r.seconds.toFixed(1)} s`);
      }
      return r.failed ? EXIT.FAILED : EXIT.OK;
    }),
  );
}
