/**
 * The bytes a split still has to read, when its serialized form says so: a byte range
 * (`start`, `end`, `end` -1 meaning the file's `size`) and the `position.offset` reached, as
 * file splits have. Undefined for splits without a known size (a live topic's partitions):
 * progress then shows no percentage rather than a made-up one.
 */
export function splitWorkBytes(data: unknown): number | undefined {
  const d = data as { start?: unknown; end?: unknown; size?: unknown; position?: { offset?: unknown } } | undefined;
  if (typeof d?.start !== 'number' || typeof d.end !== 'number') return undefined;
  const end = d.end >= 0 ? d.end : typeof d.size === 'number' ? d.size : undefined;
  if (end === undefined) return undefined;
  const from = typeof d.position?.offset === 'number' ? Math.max(d.start, d.position.offset) : d.start;
  return Math.max(0, end - from);
}
