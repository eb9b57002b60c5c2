/**
 * The keys of events in the store (authentication and change events alike): they sort by
 * time, so that reading a period and pruning the oldest walk a key range.
 */
export const EVENT_PREFIX = 'events/';

/** A 13-digit millisecond timestamp, then the node and a counter. */
export function eventKey(
  event: { readonly time: number; readonly node: string },
  sequence: number,
): string {
  return `${EVENT_PREFIX}${String(event.time).padStart(13, '0')}-${event.node}-${String(sequence).padStart(6, '0')}`;
}

// One counter per process for every writer of events, so that keys of one node never meet.
let counter = 0;

/** The key of a new event: {@link eventKey} with this process's next sequence number. */
export function newEventKey(event: { readonly time: number; readonly node: string }): string {
  counter = (counter + 1) % 1_000_000;
  return eventKey(event, counter);
}
