import { ConfigError } from '../../../lib/errors';
import { Boundedness } from '../../../lib/source-support';
import { deadLetterKey, parseRafkaOptions, partitionKey, RAFKA_DEFAULTS, rafkaSource } from '../../../lib/sources/rafka';
import type { RafkaSourceOptions } from '../../../lib/sources/rafka';
import { RedisStreamSink } from '../../../lib/sinks/redis';

describe('rafka source options', () => {
  it('fills in the defaults', () => {
    const config = parseRafkaOptions({ topic: 'orders' });
    expect(config).toMatchObject({
      topic: 'orders', partitions: undefined, keyPattern: '{topic}:{partition}', group: 'adf', startId: '0', until: undefined,
      discoveryIntervalMs: 10_000, maxDeliveries: 5, deadLetterStream: '{streamKey}:dead-letter', blockMs: 500, valueEncoding: 'json',
    });
    expect(RAFKA_DEFAULTS.maxDeliveries).toBe(5);
  });

  it('maps start to what XGROUP CREATE takes', () => {
    expect(parseRafkaOptions({ topic: 't', start: 'latest' }).startId).toBe('$');
    expect(parseRafkaOptions({ topic: 't', start: 'earliest' }).startId).toBe('0');
    expect(parseRafkaOptions({ topic: 't', start: '1700000000000-0' }).startId).toBe('1700000000000-0');
  });

  it('names keys from the patterns', () => {
    const config = parseRafkaOptions({ topic: 'orders', keyPattern: 'rafka/{topic}/{partition}', deadLetterStream: 'dlq:{topic}:{partition}' });
    expect(partitionKey(config, 7)).toBe('rafka/orders/7');
    expect(deadLetterKey(config, { streamKey: 'rafka/orders/7', topic: 'orders', partition: 7 })).toBe('dlq:orders:7');
    expect(deadLetterKey(parseRafkaOptions({ topic: 'o' }), { streamKey: 'o:1', topic: 'o', partition: 1 })).toBe('o:1:dead-letter');
  });

  it('is bounded iff until is given', () => {
    expect(rafkaSource({ topic: 't', url: 'redis://127.0.0.1:1' }).boundedness).toBe(Boundedness.CONTINUOUS_UNBOUNDED);
    expect(rafkaSource({ topic: 't', until: 'latest' }).boundedness).toBe(Boundedness.BOUNDED);
    expect(rafkaSource({ topic: 't', until: { 0: '5-0' } }).boundedness).toBe(Boundedness.BOUNDED);
    expect(rafkaSource({ topic: 't' }).type).toBe('rafka');
  });

  it.each<[unknown, string]>([
    [{}, 'rafka source: topic must be a non-empty string (got nothing)'],
    [{ topic: '' }, 'rafka source: topic must be a non-empty string (got "")'],
    [{ topic: 't', partitions: 0 }, 'rafka source: partitions must be between 1 and 65536 (got 0)'],
    [{ topic: 't', partitions: 2.5 }, 'rafka source: partitions must be a whole number between 1 and 65536 (got 2.5)'],
    [{ topic: 't', maxDeliveries: 0 }, 'rafka source: maxDeliveries must be between 1 and 1000 (got 0)'],
    [{ topic: 't', blockMs: 5000 }, 'rafka source: blockMs must be between 0 and 1000 (got 5000)'],
    [{ topic: 't', discoveryIntervalMs: -1 }, 'rafka source: discoveryIntervalMs must be between 0 and 86400000 (got -1)'],
    [{ topic: 't', keyPattern: 'orders' }, 'rafka source: keyPattern must contain {partition} (got "orders")'],
    [{ topic: 't', start: 'yesterday' }, 'rafka source: start must be earliest, latest or a stream entry id like 1700000000000-0 (got "yesterday")'],
    [{ topic: 't', until: 'soon' }, 'rafka source: until must be "latest" or a map { partition: stopId } (got "soon")'],
    [{ topic: 't', until: { 0: 'x' } }, 'rafka source: until stop id must be a stream entry id like 1700000000000-0 (got "x")'],
    [{ topic: 't', valueEncoding: 'xml' }, 'rafka source: valueEncoding must be json or string (got "xml")'],
    [{ topic: 't', partitons: 3 }, 'rafka source: unknown option "partitons"'],
  ])('rejects %j with a message naming the field', (options, message) => {
    expect(() => parseRafkaOptions(options as RafkaSourceOptions)).toThrow(ConfigError);
    expect(() => parseRafkaOptions(options as RafkaSourceOptions)).toThrow(message);
  });

  it('rejects a bad URL and bad sink options when they are built, without connecting', () => {
    expect(() => rafkaSource({ topic: 't', url: 'http://x' })).toThrow('rafka source: url must look like redis://host:port or rediss://host:port (got "http://x")');
    expect(() => new RedisStreamSink({ stream: 'out', url: 'redis//x' })).toThrow('redis-stream sink: url must look like redis://host:port');
    expect(() => new RedisStreamSink({ stream: 'out', maxLen: 0 })).toThrow('redis-stream sink: maxLen must be between 1 and 9007199254740991 (got 0)');
    expect(() => new RedisStreamSink({ stream: '' })).toThrow('redis-stream sink: stream must be a non-empty string (got "")');
  });
});
