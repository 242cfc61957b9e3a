/**
 * When a host's inventory was last read and what its last refresh that
 * found a change said, drawn the same way on the details screen and by
 * `hosts show` / `hosts refresh`. Pure: the clock is a parameter.
 */
import { formatAge } from '../../../common/format/duration.js';
import type { NodeDetail } from '../../../common/protocol/vdc-api.js';
import { plain } from '../../../common/tui/text.js';
import { timeOf } from '../fleet.js';
import { formatTimestamp } from './format.js';

/** `read 5m ago (2026-11-30 02:10 UTC)`, or `never read` for a host without an inventory. */
export function renderInventoryRead(h: Pick<NodeDetail, 'inventoryAt'>, now: number): string {
  const at = timeOf(h.inventoryAt);
  return at === null ? 'never read' : `read ${formatAge(at, now)} ago (${formatTimestamp(at)})`;
}

/** The last change found, as a title and one line per change; null while no refresh has found one. */
export function renderInventoryChange(
  h: Pick<NodeDetail, 'inventoryChange'>,
): { title: string; lines: string[] } | null {
  const c = h.inventoryChange;
  if (!c || c.changes.length === 0) return null;
  return {
    title: `Inventory changed ${formatTimestamp(timeOf(c.at))}`,
    lines: c.changes.map((l) => plain(l)),
  };
}

/** What one refresh found, in one sentence for a status line or the CLI. */
export function describeRefresh(hostname: string, changes: readonly string[]): string {
  const name = plain(hostname);
  if (changes.length === 0) return `Inventory of ${name} read again: nothing changed.`;
  const n = changes.length === 1 ? '1 change' : `${changes.length} changes`;
  return `Inventory of ${name} read again: ${n}: ${plain(changes[0])}${changes.length > 1 ? '; ...' : '.'}`;
}
