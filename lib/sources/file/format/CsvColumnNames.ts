/** What to do when a CSV header names a column twice: `error` (default) or `rename` (`v`, `v_2`, …). */
export type DuplicateHeaders = 'error' | 'rename';

/**
 * The column names a CSV file's records are keyed by. Two equal names would map two fields
 * to one key, so one column's values would vanish from every record without a word; instead
 * the header is refused with a reason naming the duplicates, or (by option) the later ones
 * are renamed `name_2`, `name_3` … (skipping names the header already uses).
 *
 * @example
 * resolveColumnNames(['k', 'v', 'v'], 'rename'); // { columns: ['k', 'v', 'v_2'] }
 * resolveColumnNames(['k', 'v', 'v'], 'error');  // { error: 'duplicate column name in the CSV header: "v" (columns 2, 3) …' }
 */
export function resolveColumnNames(names: readonly string[], mode: DuplicateHeaders): { columns: readonly string[] } | { error: string } {
  const positions = new Map<string, number[]>();
  names.forEach((name, i) => {
    const seen = positions.get(name);
    if (seen) seen.push(i + 1);
    else positions.set(name, [i + 1]);
  });
  const duplicates = [...positions].filter(([, at]) => at.length > 1);
  if (duplicates.length === 0) return { columns: names };
  if (mode === 'error') {
    const list = duplicates.map(([name, at]) => `${JSON.stringify(name)} (columns ${at.join(', ')})`).join(', ');
    return { error: `duplicate column name${duplicates.length > 1 ? 's' : ''} in the CSV header: ${list}; rename them, or set csv.duplicateHeaders: 'rename' (--csv-duplicate-headers rename) to read them as name_2, name_3 …` };
  }
  const used = new Set(names);
  const counts = new Map<string, number>();
  const columns = names.map((name) => {
    const n = (counts.get(name) ?? 0) + 1;
    counts.set(name, n);
    if (n === 1) return name;
    let suffix = n;
    while (used.has(`${name}_${suffix}`)) suffix++;
    const renamed = `${name}_${suffix}`;
    used.add(renamed);
    return renamed;
  });
  return { columns };
}
