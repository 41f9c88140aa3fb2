// `poll --metrics-file PATH` and `--metrics prometheus|emf`: what they ask for, checked before any
// configuration is read or connection opened (a path that cannot take the file is a usage error
// at once, not a warning after the loads).
import { UsageError } from '../errors.js';
import type { MetricsTargets } from '../metrics/publish.js';
import type { Output } from './context.js';
import { checkOutputFile } from './paths.js';

export const METRICS_FORMATS = ['prometheus', 'emf'] as const;
export type MetricsFormat = (typeof METRICS_FORMATS)[number];

export interface MetricsFlags {
  metrics?: MetricsFormat;
  metricsFile?: string;
}

/**
 * `--metrics-file` writes Prometheus text (so `--metrics prometheus` needs it); `--metrics emf`
 * prints EMF lines on stdout, which `--json`'s one object there would not survive: refused
 * together. Both files and EMF may be asked for at once.
 */
export async function metricsTargets(flags: MetricsFlags, out: Pick<Output, 'json' | 'notice'>): Promise<MetricsTargets> {
  if (flags.metrics === 'prometheus' && flags.metricsFile === undefined) {
    throw new UsageError('--metrics prometheus needs --metrics-file PATH: the Prometheus figures are written to a file', {
      hint: "e.g. --metrics-file /var/lib/node_exporter/textfile_collector/rsetl.prom (node_exporter's textfile collector)",
    });
  }
  if (flags.metrics === 'emf' && out.json) {
    throw new UsageError('give --json or --metrics emf, not both: both print JSON on stdout', {
      hint: '--metrics emf prints one EMF line per bus for CloudWatch Logs; --metrics-file works with --json',
    });
  }
  const file = flags.metricsFile === undefined ? undefined : await checkOutputFile('--metrics-file', flags.metricsFile, { replaceByRename: true });
  if (file !== undefined && !file.endsWith('.prom')) out.notice(`--metrics-file ${flags.metricsFile}: node_exporter's textfile collector reads only files named *.prom`);
  return { ...(file !== undefined ? { file } : {}), ...(flags.metrics === 'emf' ? { emf: true } : {}) };
}
