import { parseRunArgs } from '../../../lib/cli/parseRunArgs';
import { ConfigError } from '../../../lib/errors';
import { flowFromOptions } from '../../../lib/flow';
import { RafkaSink } from '../../../lib/sinks/redis';

describe('--sink rafka (flag form and ADF_FLOW)', () => {
  it('reads --key-field and builds a rafka sink on --topic for a file flow', () => {
    const cmd = parseRunArgs(['--source', 'file', '--path', '.', '--sink', 'rafka', '--topic', 'orders', '--key-field', 'customer', '--redis-url', 'redis://127.0.0.1:6390']);
    expect(cmd.ref).toMatchObject({ kind: 'options', options: { sink: 'rafka', topic: 'orders', keyField: 'customer' } });
    const flow = flowFromOptions((cmd.ref as { options: Parameters<typeof flowFromOptions>[0] }).options);
    expect(flow.sink).toBeInstanceOf(RafkaSink);
  });

  it('takes the same fields from ADF_FLOW JSON, and --out as the sink topic when the source is rafka too', () => {
    expect(flowFromOptions(JSON.parse('{"name":"load","source":"file","path":".","sink":"rafka","topic":"orders","keyField":"customer"}')).sink).toBeInstanceOf(RafkaSink);
    expect(flowFromOptions({ name: 'copy', source: 'rafka', topic: 'in', sink: 'rafka', out: 'out', keyField: 'k' }).sink).toBeInstanceOf(RafkaSink);
    expect(() => flowFromOptions({ name: 'copy', source: 'rafka', topic: 'in', sink: 'rafka' })).toThrow(/--out is required/);
  });

  it('names the missing topic and bad options', () => {
    expect(() => flowFromOptions({ name: 'x', source: 'file', path: '.', sink: 'rafka' })).toThrow(ConfigError);
    expect(() => flowFromOptions({ name: 'x', source: 'file', path: '.', sink: 'rafka' })).toThrow(/--topic is required/);
    expect(() => new RafkaSink({ topic: 'a{b}' })).toThrow(/topic must not contain \{ or \}/);
    expect(() => new RafkaSink({ topic: 't', maxLen: 0 })).toThrow(/maxLen must be between 1/);
  });
});
