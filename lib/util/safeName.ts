import { createHash } from 'node:crypto';

/**
 * A file-name-safe, collision-free name for a split id: a readable prefix plus a short hash
 * (split ids are paths or stream keys and can be long or contain '/').
 */
export function safeName(splitId: string): string {
  const readable = splitId.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-80);
  const hash = createHash('sha1').update(splitId).digest('hex').slice(0, 10);
  return `${readable}-${hash}`;
}
