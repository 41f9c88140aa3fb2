// The ports of a persistent local stack (`rsetl dev up`), remembered in its data folder: a restart
// listens on the same ports, so its URLs and the config file written for it stay valid. A
// remembered port that another process holds now is replaced, with a warning naming it.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, isPortFree } from './free-port.js';

export interface StackPorts {
  /** The embedded PostgreSQL (the source and the stand-in's backing database). */
  postgres: number;
  redshift: number;
  s3: number;
  /** The local AWS control plane (Redshift, Serverless and Secrets Manager APIs). */
  aws: number;
}

export type StackService = keyof StackPorts;

export const PORTS_FILE = 'ports.json';

const NAMES: Record<StackService, string> = {
  postgres: 'embedded PostgreSQL (source)',
  redshift: 'Redshift stand-in',
  s3: 'S3 server',
  aws: 'local AWS API server',
};

export interface ChosenPorts {
  ports: Partial<StackPorts>;
  /** One line per remembered port that could not be kept. */
  warnings: string[];
}

/** The ports remembered in dataDir; missing or unreadable entries are simply not there. */
export async function readRememberedPorts(dataDir: string): Promise<{ ports: Partial<StackPorts>; warning?: string }> {
  const path = join(dataDir, PORTS_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { ports: {} };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ports: {}, warning: `${path} is not valid JSON; the stack gets new ports` };
  }
  const ports: Partial<StackPorts> = {};
  for (const service of Object.keys(NAMES) as StackService[]) {
    const value = (raw as Record<string, unknown> | null)?.[service];
    if (Number.isInteger(value) && (value as number) > 0 && (value as number) < 65536) ports[service] = value as number;
  }
  return { ports };
}

/**
 * A port for each of `services`: the remembered one while it is free, else a new free one. Kept
 * ports are chosen first, so a new port never takes one the stack is about to reuse.
 */
export async function choosePorts(dataDir: string, services: StackService[]): Promise<ChosenPorts> {
  const remembered = await readRememberedPorts(dataDir);
  const warnings = remembered.warning ? [remembered.warning] : [];
  const ports: Partial<StackPorts> = {};
  const taken = new Set<number>();
  const lost: StackService[] = [];
  for (const service of services) {
    const port = remembered.ports[service];
    if (port !== undefined && !taken.has(port) && (await isPortFree(port))) {
      ports[service] = port;
      taken.add(port);
    } else lost.push(service);
  }
  const reserved = new Set([...taken, ...Object.values(remembered.ports)]);
  for (const service of lost) {
    let port = await freePort();
    while (reserved.has(port)) port = await freePort();
    reserved.add(port);
    ports[service] = port;
    const old = remembered.ports[service];
    if (old !== undefined) {
      warnings.push(`the ${NAMES[service]}'s port ${old} is in use by another process; it listens on ${port} now (the config file has the new URL)`);
    }
  }
  return { ports, warnings };
}

/** Remembers the ports the stack listens on; entries of services it did not start are kept. */
export async function rememberPorts(dataDir: string, ports: Partial<StackPorts>): Promise<void> {
  const { ports: before } = await readRememberedPorts(dataDir);
  const all = { ...before, ...ports };
  await writeFile(join(dataDir, PORTS_FILE), JSON.stringify(all, null, 2) + '\n');
}
