import fc from 'fast-check';
import { redactingReplacer, redactText, REDACTED } from '../../../lib/util/redact';

const secret = fc.stringMatching(/^[A-Za-z0-9!$%^&*()_+=-]{6,24}$/);

describe('redact', () => {
  it('takes the password out of any URL in a text, keeping the user and host', () => {
    fc.assert(
      fc.property(fc.constantFrom('redis', 'rediss', 'https', 'postgres'), fc.stringMatching(/^[a-z]{0,8}$/), secret, fc.string(), (scheme, user, password, around) => {
        const text = `${around} ${scheme}://${user}:${password}@cache.internal:6379/0 ${around}`;
        const out = redactText(text);
        expect(out).toContain(`${scheme}://${user}:${REDACTED}@cache.internal:6379/0`);
        expect(out.replace(around, '')).not.toContain(`:${password}@`);
      }),
    );
  });

  it('redacts secret-named fields, URL passwords and AUTH arguments at any depth of a log line', () => {
    const error = Object.assign(new Error('WRONGPASS invalid username-password pair'), { command: { name: 'auth', args: ['app', 'hunter2-secret'] } });
    const line = JSON.stringify(
      { message: 'redis failed', url: 'redis://app:hunter2-secret@h:1', options: { password: 'hunter2-secret', nested: [{ token: 'hunter2-secret' }] }, cause: { command: error.command }, tls: true },
      redactingReplacer,
    );
    expect(line).not.toContain('hunter2-secret');
    expect(line).toContain('redis://app:***@h:1');
    expect(JSON.parse(line)).toMatchObject({ options: { password: REDACTED, nested: [{ token: REDACTED }] }, cause: { command: { name: 'auth', args: [REDACTED] } }, tls: true });
  });

  it('leaves ordinary values alone', () => {
    const value = { splitId: 'orders.csv', records: 10, stream: 'orders:3', command: { name: 'xadd', args: ['orders:3', '*'] } };
    expect(JSON.parse(JSON.stringify(value, redactingReplacer))).toEqual(value);
  });
});
