/**
 * The quick-start flow: three months of orders (CSV, JSON Lines and gzipped CSV) into JSON
 * Lines part files under out/orders, with a total computed per order.
 *
 *   npm start                       # = adf run examples/orders.flow.ts
 *   adf run examples/orders.flow.ts --parallelism 2 --fresh
 */
import { join } from 'node:path';
import { defineFlow, fileSource, jsonlSink } from 'activedataflow';

interface Order {
  order_id: string;
  sku: string;
  qty: string | number;
  price: string;
  city: string;
  note?: string;
}

export default defineFlow({
  name: 'orders',
  source: fileSource({ path: join(__dirname, 'data', 'orders') }),
  transform: (order: Order) => {
    const qty = Number(order.qty);
    const price = Number(order.price);
    return { ...order, qty, price, total: Math.round(qty * price * 100) / 100 };
  },
  sink: jsonlSink({ dir: 'out/orders' }),
});
