import { createWriteStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';

/** Writes a CSV of about `bytes` bytes (id, names, numbers, a quoted field with a comma) unless it is there already. */
export async function generateCsv(path: string, bytes: number): Promise<void> {
  if (existsSync(path) && statSync(path).size >= bytes) return;
  const out = createWriteStream(path);
  out.write('id,customer,sku,qty,price,city,created_at,comment\n');
  let written = 0;
  let i = 0;
  while (written < bytes) {
    let chunk = '';
    for (let k = 0; k < 2000; k++, i++) {
      chunk += `${i},customer-${i % 9973},SKU-${i % 503},${1 + (i % 9)},${((i * 37) % 100000) / 100},City ${i % 211},2026-11-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z,"note ${i % 17}, fine"\n`;
    }
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
