// Which outbox event produced a staged row. Rows carry the event id under a symbol (never staged
// as a JSON key: COPY only sees the declared columns), and every table's lines are shadowed by a
// `<table>__events` object with one event id per line, outside the manifest. When COPY rejects
// line N of a part file, that shadow names the event to show the operator and to skip.

export const EVENT_OF: unique symbol = Symbol('rsetl.eventOf');

type Tagged = { [EVENT_OF]?: string };

/** Marks a transformed row with its event id; the symbol survives object spread in combine. */
export function tagRow<T extends object>(row: T, eventId: string): T {
  (row as Tagged)[EVENT_OF] = eventId;
  return row;
}

export function eventOf(row: object): string | undefined {
  return (row as Tagged)[EVENT_OF];
}

const EVENTS_SUFFIX = '__events';

export const eventsStageName = (table: string) => `${table}${EVENTS_SUFFIX}`;

/** Whether a staged name is a shadow of event ids (never COPYed, no manifest). */
export const isEventsStageName = (name: string) => name.endsWith(EVENTS_SUFFIX);
