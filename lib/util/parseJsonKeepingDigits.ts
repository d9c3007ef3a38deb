/** A run of 16 digits: no JSON number with fewer digits can lie beyond Number.MAX_SAFE_INTEGER. */
const LONG_DIGIT_RUN = /\d{16}/;

/**
 * JSON.parse, except that an integer literal a JS number cannot hold exactly (beyond
 * ±9007199254740991) becomes a string of its exact digits (`12345678901234567890` →
 * `"12345678901234567890"`, a minus sign kept), instead of a number rounded to other digits.
 * Decimals and exponent forms (`1.5`, `1e30`) stay numbers as JSON.parse reads them.
 *
 * Why a pre-pass and not a reviver: Node 20's reviver sees the number already rounded (the
 * source-text argument came with V8 11.4, Node 21). Why a string: it is exact, reversible and
 * survives every sink and transform (BigInt breaks JSON.stringify). Lines without a run of
 * 16 digits (nearly all) take plain JSON.parse; the others get their big integer literals
 * (outside strings) quoted before JSON.parse, so parsing itself stays native.
 *
 * @example
 * parseJsonKeepingDigits('{"id":12345678901234567890,"n":1}'); // { id: '12345678901234567890', n: 1 }
 */
export function parseJsonKeepingDigits(text: string): unknown {
  if (!LONG_DIGIT_RUN.test(text)) return JSON.parse(text);
  const quoted = quoteBigIntegers(text);
  if (quoted === text) return JSON.parse(text);
  try {
    return JSON.parse(quoted);
  } catch {
    return JSON.parse(text); // invalid JSON: throw the message (and position) of the text as written
  }
}

/** `text` with each integer literal outside strings that is not a safe integer wrapped in quotes. */
function quoteBigIntegers(text: string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i += 2;
        else if (d === 0x22) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      if (c === 0x2d) i++;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      const integerEnd = i;
      // A fraction or exponent makes it a decimal: JSON.parse reads it as written.
      while (i < n && isNumberChar(text.charCodeAt(i))) i++;
      if (i === integerEnd && integerEnd - start >= 16) {
        const literal = text.slice(start, integerEnd);
        if (/^-?[1-9]\d*$/.test(literal) && !Number.isSafeInteger(Number(literal))) {
          out += `${text.slice(copied, start)}"${literal}"`;
          copied = integerEnd;
        }
      }
      continue;
    }
    i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isNumberChar(c: number): boolean {
  return isDigit(c) || c === 0x2e /* . */ || c === 0x65 /* e */ || c === 0x45 /* E */ || c === 0x2b /* + */ || c === 0x2d; /* - */
}
