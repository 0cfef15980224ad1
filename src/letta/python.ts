/**
 * Python's text forms of JSON values, where Letta's server writes a value with `str()` or `json.dumps` and a
 * client sees the result: a tool's non-string `message` becomes `{'a': 1}`, `None`, `True`. JSON numbers are
 * read as JavaScript numbers, so a float with an integral value (`1.0`) is written as the integer `1`.
 */

const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;
const hex = (codePoint: number, digits: number) => codePoint.toString(16).padStart(digits, '0');

/** `repr(s)` of a Python string: single quotes unless the text has one and no double quote. */
export function pythonStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    const codePoint = char.codePointAt(0)!;
    if (char === quote || char === '\\') out += `\\${char}`;
    else if (char === '\t') out += '\\t';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === ' ' || !NOT_PRINTABLE.test(char)) out += char;
    else if (codePoint < 0x100) out += `\\x${hex(codePoint, 2)}`;
    else if (codePoint < 0x10000) out += `\\u${hex(codePoint, 4)}`;
    else out += `\\U${hex(codePoint, 8)}`;
  }
  return out + quote;
}

/** `repr(x)` of a float as Python writes it: the shortest digits, in exponent form below 1e-4 and from 1e16. */
function pythonNumber(value: number): string {
  if (Number.isInteger(value)) return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 16) return String(value);
  return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/** `repr(x)` of a value parsed from JSON. */
export function pythonRepr(value: unknown): string {
  if (typeof value === 'string') return pythonStringRepr(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([key, item]) => `${pythonStringRepr(key)}: ${pythonRepr(item)}`).join(', ')}}`;
  }
  return pythonStr(value);
}

/** `str(x)` of a value parsed from JSON: a string as it is, anything else as its repr. */
export function pythonStr(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pythonNumber(value);
  return pythonRepr(value);
}

/** `json.dumps(x, indent=2, ensure_ascii=False)`: the same text as JSON.stringify with an indent of 2. */
export const pythonJsonDumps = (value: unknown): string => JSON.stringify(value, null, 2);
