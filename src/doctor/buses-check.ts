// Check 6: every bus's state, lag and last error, as `rsetl status` reports them (busStatuses).
// The control connection is the one check 2 opened, handed over without `ensureSchema`, so doctor
// never creates or upgrades the control schema. A failing bus is a warning: the configuration
// works, and the bus's own error says what its window needs.
import { openConnections, type Connections } from '../pipeline/connections.js';
import { busStatuses, type BusStatus } from '../pipeline/status.js';
import { BusStore } from '../source/bus-store.js';
import { ageText, pass, warn, type CheckOutcome, type DoctorContext } from './check.js';

function line(b: BusStatus): string {
  const lag = b.oldestPendingAgeSeconds === null ? 'caught up' : `${b.pendingEvents}${b.pendingCapped ? '+' : ''} pending, oldest ${ageText(b.oldestPendingAgeSeconds)}`;
  const failing = b.failureCount > 0 ? `, ${b.failureCount} failure${b.failureCount === 1 ? '' : 's'}` : '';
  return `${b.id} ${b.schema} ${b.state} (${lag}${failing})`;
}

export async function checkBuses(ctx: DoctorContext): Promise<CheckOutcome> {
  const config = ctx.config!;
  if (ctx.controlSchema === 'absent') return pass('no buses yet: create one with `rsetl init-etl <schema> --domain <root_id>`', { buses: [] });
  if (ctx.controlSchema === 'outdated') {
    return warn(
      'buses not listed: the control schema is older than this rsetl',
      'rsetl was upgraded since the control schema was last migrated',
      'run `rsetl status` (or let the next poll run): it upgrades the control schema',
    );
  }
  const client = ctx.source!;
  const conn: Connections = {
    ...openConnections(config),
    control: async () => ({ client, buses: new BusStore(client, config.source.controlSchema) }),
  };
  const buses = await busStatuses(conn, config);
  if (buses.length === 0) return pass('no buses yet: create one with `rsetl init-etl <schema> --domain <root_id>`', { buses });
  const detail = `${buses.length} bus${buses.length === 1 ? '' : 'es'}: ${buses.map(line).join('; ')}`;
  const failing = buses.filter((b) => b.failureCount > 0 && b.state !== 'Disabled');
  if (failing.length > 0) {
    const errors = failing.map((b) => `bus ${b.id} (${b.schema}): ${String(b.lastError?.message ?? 'no error recorded')}`);
    return warn(detail, errors.join('; '), '`rsetl status` shows each failure; a bus retries on its own after its backoff, `rsetl bus pause <bus>` stops it', { buses });
  }
  return pass(detail, { buses });
}
