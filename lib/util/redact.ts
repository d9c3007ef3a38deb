/**
 * The one place secrets are taken out of what we log or print. Three shapes reach a log line:
 * a URL with a password (`redis://:s3cret@host` in a flow's options or an error message), a
 * field named like a secret (`password`, `token`), and a client's record of an authenticating
 * command (ioredis puts `command: { name: 'auth', args: [user, password] }` on its errors, and
 * a logger serialises errors with their properties).
 *
 * @example
 * redactText('cannot reach redis://app:s3cret@cache:6379'); // 'cannot reach redis://app:***@cache:6379'
 */
export const REDACTED = '***';

/** Keys whose values are secrets wherever they appear. */
const SECRET_KEY = /^(pass(word)?|secret|.*secret(access)?key|.*token|credentials?|authorization|api[-_]?key|sessiontoken)$/i;
/** Redis commands whose arguments carry credentials. */
const AUTH_COMMANDS = new Set(['auth', 'hello', 'migrate', 'acl']);
/** `scheme://user:password@` (the password part), in any text. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):([^\s@/]*)@/gi;

/** Replaces the password of every URL in `text`. */
export function redactText(text: string): string {
  return text.replace(URL_PASSWORD, (_, userinfo: string) => `${userinfo}:${REDACTED}@`);
}

/**
 * A JSON.stringify replacer (and Powertools Logger `jsonReplacerFn`) that redacts secrets at
 * any depth: secret-named keys, URL passwords in strings, the arguments of AUTH-like commands.
 */
export function redactingReplacer(key: string, value: unknown): unknown {
  if (typeof value === 'string') return key && SECRET_KEY.test(key) && value !== '' ? REDACTED : redactText(value);
  if (key && SECRET_KEY.test(key) && value !== undefined && value !== null && typeof value !== 'boolean') return REDACTED;
  if (key === 'command' && isAuthCommand(value)) return { ...value, args: [REDACTED] };
  return value;
}

function isAuthCommand(value: unknown): value is { name: string; args?: unknown } {
  const name = (value as { name?: unknown } | null)?.name;
  return typeof name === 'string' && AUTH_COMMANDS.has(name.toLowerCase());
}
