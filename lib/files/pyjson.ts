// Python's json.loads / json.dumps (default arguments), repr(), str() and bool(), so
// that what rxtrain writes for Monolith's FileMetricHook is byte-identical to what
// the Python writes. The reference is CPython 3.11 with its C accelerator (_json).
//
// Python's values map to JavaScript's as:
//   None -> null (undefined is read as None too), bool -> boolean, str -> string,
//   int -> a number that is an integer (so a JS -0 is the int 0) or a bigint,
//   float -> a number that is not an integer (NaN and the infinities included) or a PyFloat,
//   list -> array, dict -> plain object (prototype Object.prototype or null),
//   bytes -> Uint8Array (Buffer included).

/**
 * A float that is an integer, which Python prints with a decimal point (`1.0`).
 * `pyJsonLoads('1.0')` returns one, as Python's `json.loads` returns a float, so
 * that it dumps back as `1.0`; a plain JS number that is an integer dumps as an int.
 * It is a Number object: arithmetic works (`x + 1`), but `x === 1` is false.
 *
 * @example
 * ```ts
 * import { PyFloat, pyJsonDumps } from 'rxtrain'
 * pyJsonDumps([1, new PyFloat(1)]) // '[1, 1.0]'
 * ```
 */
export class PyFloat extends Number {
  /** @param value the float's value */
  constructor(value: number) {
    super(value)
  }
}

/**
 * What `pyJsonLoads` throws on text that is not JSON: Python's `JSONDecodeError`,
 * with its message (`Expecting value: line 1 column 1 (char 0)`) and positions
 * counted, as Python does, in code points.
 *
 * @example
 * ```ts
 * import { pyJsonLoads, JSONDecodeError } from 'rxtrain'
 * try { pyJsonLoads('[1,') } catch (err) { console.log(err instanceof JSONDecodeError && err.pos) } // 3
 * ```
 */
export class JSONDecodeError extends SyntaxError {
  /** Where, in code points from the start, as Python's `pos`. */
  readonly pos: number
  /** Python's line number, from 1. */
  readonly lineno: number
  /** Python's column, from 1. */
  readonly colno: number

  /**
   * @param msg what is wrong, without the position
   * @param doc the text being parsed
   * @param at where, as an index into `doc` (UTF-16 code units)
   */
  constructor(readonly msg: string, doc: string, at: number) {
    const before = doc.slice(0, at)
    const lastLine = before.lastIndexOf('\n')
    const lineno = before.split('\n').length
    const colno = codePoints(before.slice(lastLine + 1)) + 1
    const pos = codePoints(before)
    super(`${msg}: line ${lineno} column ${colno} (char ${pos})`)
    this.name = 'JSONDecodeError'
    this.lineno = lineno
    this.colno = colno
    this.pos = pos
  }
}

function codePoints(text: string): number {
  let n = text.length
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--
        i++
      }
    }
  }
  return n
}

// Python >= 3.11 (and the 3.7-3.10 security releases) refuse to convert ints of more
// digits than this to or from text; json.loads and json.dumps raise ValueError.
const INT_MAX_STR_DIGITS = 4300

function intDigitsError(digits: number): RangeError {
  return new RangeError(
    `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion: value has ${digits} digits; use sys.set_int_max_str_digits() to increase the limit`,
  )
}

// A dict read by pyJsonLoads whose key order JS would change (it puts integer-like
// keys first) keeps Python's order here, so that it dumps back in the same order.
const KEY_ORDER = Symbol('rxtrain.pyKeyOrder')

/**
 * Python's `json.loads`: JSON text (or bytes, decoded as Python does: UTF-8, or
 * UTF-16/32 told apart by BOM or zero bytes) to a value. Objects become plain
 * objects, in Python's key order (see below), `NaN` and `Infinity` are read, integers
 * beyond `Number.MAX_SAFE_INTEGER` become bigints, and floats that are integers
 * become {@link PyFloat}s.
 *
 * One divergence: JS puts an object's integer-like keys (`"0"`, `"42"`) first. The
 * objects this returns remember Python's order in a hidden property that
 * {@link pyJsonDumps} and {@link pyRepr} follow; a copy (`{...obj}`) loses it.
 *
 * @example
 * ```ts
 * import { pyJsonLoads } from 'rxtrain'
 * pyJsonLoads('{"n": 12345678901234567890, "x": NaN}') // { n: 12345678901234567890n, x: NaN }
 * ```
 * @param text JSON text, or its bytes
 * @returns the value
 * @throws JSONDecodeError on text that is not JSON (Python's message and position);
 *   TypeError on bytes that do not decode, or on input neither a string nor bytes;
 *   RangeError on an int of more than 4300 digits (Python's ValueError)
 */
export function pyJsonLoads(text: string | Uint8Array): unknown {
  if (text instanceof Uint8Array) text = decodeJsonBytes(text)
  else if (typeof text !== 'string') {
    throw new TypeError(`the JSON object must be str, bytes or bytearray, not ${pyTypeName(text)}`)
  } else if (text.charCodeAt(0) === 0xfeff) {
    throw new JSONDecodeError('Unexpected UTF-8 BOM (decode using utf-8-sig)', text, 0)
  }
  return new Decoder(text).decode()
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
const isDigit = (c: number) => c >= 0x30 && c <= 0x39

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }

/** A port of CPython's Modules/_json.c scanner: same grammar, same errors at the same places. */
class Decoder {
  private readonly len: number

  constructor(private readonly s: string) {
    this.len = s.length
  }

  decode(): unknown {
    const [value, end] = this.value(this.skip(0))
    const after = this.skip(end)
    if (after !== this.len) throw new JSONDecodeError('Extra data', this.s, after)
    return value
  }

  private skip(i: number): number {
    while (i < this.len && isSpace(this.s.charCodeAt(i))) i++
    return i
  }

  private value(i: number): [unknown, number] {
    const s = this.s
    if (i >= this.len) throw new JSONDecodeError('Expecting value', s, i)
    switch (s[i]) {
      case '"':
        return this.string(i + 1)
      case '{':
        return this.object(i + 1)
      case '[':
        return this.array(i + 1)
      case 'n':
        if (s.startsWith('null', i)) return [null, i + 4]
        break
      case 't':
        if (s.startsWith('true', i)) return [true, i + 4]
        break
      case 'f':
        if (s.startsWith('false', i)) return [false, i + 5]
        break
      case 'N':
        if (s.startsWith('NaN', i)) return [NaN, i + 3]
        break
      case 'I':
        if (s.startsWith('Infinity', i)) return [Infinity, i + 8]
        break
      case '-':
        if (s.startsWith('-Infinity', i)) return [-Infinity, i + 9]
        break
    }
    return this.number(i)
  }

  private number(start: number): [unknown, number] {
    const s = this.s
    let i = start
    if (s.charCodeAt(i) === 0x2d) i++
    const first = s.charCodeAt(i)
    if (first >= 0x31 && first <= 0x39) {
      i++
      while (isDigit(s.charCodeAt(i))) i++
    } else if (first === 0x30) {
      i++
    } else {
      throw new JSONDecodeError('Expecting value', s, start)
    }
    const intEnd = i
    let isFloat = false
    if (s.charCodeAt(i) === 0x2e && isDigit(s.charCodeAt(i + 1))) {
      isFloat = true
      i += 2
      while (isDigit(s.charCodeAt(i))) i++
    }
    const e = s.charCodeAt(i)
    if (e === 0x65 || e === 0x45) {
      let j = i + 1
      const sign = s.charCodeAt(j)
      if (sign === 0x2b || sign === 0x2d) j++
      const digitsFrom = j
      while (isDigit(s.charCodeAt(j))) j++
      if (j > digitsFrom) {
        isFloat = true
        i = j
      }
    }
    const literal = s.slice(start, i)
    if (isFloat) {
      const x = Number(literal)
      return [Number.isInteger(x) ? new PyFloat(x) : x, i]
    }
    const digits = intEnd - start - (s.charCodeAt(start) === 0x2d ? 1 : 0)
    if (digits > INT_MAX_STR_DIGITS) throw intDigitsError(digits)
    if (digits < 16) return [Number(literal) + 0, i] // + 0 turns -0 into Python's int 0
    const big = BigInt(literal)
    return [big >= -MAX_SAFE && big <= MAX_SAFE ? Number(big) : big, i]
  }

  private string(start: number): [string, number] {
    const s = this.s
    const len = this.len
    const begin = start - 1
    let out = ''
    let end = start
    for (;;) {
      let next = end
      let c = 0
      for (; next < len; next++) {
        c = s.charCodeAt(next)
        if (c === 0x22 || c === 0x5c) break
        if (c <= 0x1f) throw new JSONDecodeError('Invalid control character at', s, next)
      }
      if (next === len) throw new JSONDecodeError('Unterminated string starting at', s, begin)
      if (next !== end) out += s.slice(end, next)
      next++
      if (c === 0x22) return [out, next]
      if (next === len) throw new JSONDecodeError('Unterminated string starting at', s, begin)
      const esc = s[next]
      if (esc !== 'u') {
        const ch = ESCAPES[esc]
        if (ch === undefined) throw new JSONDecodeError('Invalid \\escape', s, next - 1)
        out += ch
        end = next + 1
        continue
      }
      next++
      end = next + 4
      if (end >= len) throw new JSONDecodeError('Invalid \\uXXXX escape', s, next - 1)
      let unit = this.hex4(next, end - 5)
      next = end
      if (unit >= 0xd800 && unit <= 0xdbff && end + 6 < len && s[next] === '\\' && s[next + 1] === 'u') {
        const low = this.hex4(next + 2, end + 1)
        if (low >= 0xdc00 && low <= 0xdfff) {
          out += String.fromCharCode(unit, low)
          end += 6
          continue
        }
      }
      out += String.fromCharCode(unit)
    }
  }

  private hex4(from: number, errorAt: number): number {
    let value = 0
    for (let i = from; i < from + 4; i++) {
      const c = this.s.charCodeAt(i)
      const digit = isDigit(c) ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1
      if (digit < 0) throw new JSONDecodeError('Invalid \\uXXXX escape', this.s, errorAt)
      value = value * 16 + digit
    }
    return value
  }

  private object(start: number): [Record<string, unknown>, number] {
    const s = this.s
    const obj: Record<string, unknown> = {}
    let order: string[] | undefined // Python's key order, kept only when a key may be reordered by JS
    const keys: string[] = []
    let i = this.skip(start)
    if (s[i] !== '}') {
      for (;;) {
        if (s[i] !== '"') throw new JSONDecodeError('Expecting property name enclosed in double quotes', s, i)
        const [key, afterKey] = this.string(i + 1)
        i = this.skip(afterKey)
        if (s[i] !== ':') throw new JSONDecodeError("Expecting ':' delimiter", s, i)
        const [value, afterValue] = this.value(this.skip(i + 1))
        if (!Object.hasOwn(obj, key)) {
          keys.push(key)
          if (isDigit(key.charCodeAt(0))) order = keys
        }
        if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true })
        else obj[key] = value
        i = this.skip(afterValue)
        if (s[i] === '}') break
        if (s[i] !== ',') throw new JSONDecodeError("Expecting ',' delimiter", s, i)
        i = this.skip(i + 1)
      }
    }
    if (order !== undefined && Object.keys(obj).some((key, n) => key !== order![n])) {
      Object.defineProperty(obj, KEY_ORDER, { value: order })
    }
    return [obj, i + 1]
  }

  private array(start: number): [unknown[], number] {
    const s = this.s
    const list: unknown[] = []
    let i = this.skip(start)
    if (s[i] !== ']') {
      for (;;) {
        const [value, afterValue] = this.value(i)
        list.push(value)
        i = this.skip(afterValue)
        if (s[i] === ']') break
        if (s[i] !== ',') throw new JSONDecodeError("Expecting ',' delimiter", s, i)
        i = this.skip(i + 1)
      }
    }
    return [list, i + 1]
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

// json.detect_encoding, then bytes.decode(encoding, 'surrogatepass').
function decodeJsonBytes(b: Uint8Array): string {
  const at = (i: number) => b[i]
  if (startsWith(b, [0, 0, 0xfe, 0xff])) return decodeUtf32(b.subarray(4), false, 'utf-32-be', 4)
  if (startsWith(b, [0xff, 0xfe, 0, 0])) return decodeUtf32(b.subarray(4), true, 'utf-32-le', 4)
  if (startsWith(b, [0xfe, 0xff])) return decodeUtf16(b.subarray(2), false, 'utf-16-be', 2)
  if (startsWith(b, [0xff, 0xfe])) return decodeUtf16(b.subarray(2), true, 'utf-16-le', 2)
  // Python's utf-8-sig reports errors as utf-8's, counting from after the BOM
  if (startsWith(b, [0xef, 0xbb, 0xbf])) return decodeUtf8(b.subarray(3))
  if (b.length >= 4) {
    if (!at(0)) return at(1) ? decodeUtf16(b, false, 'utf-16-be') : decodeUtf32(b, false, 'utf-32-be')
    if (!at(1)) return at(2) || at(3) ? decodeUtf16(b, true, 'utf-16-le') : decodeUtf32(b, true, 'utf-32-le')
  } else if (b.length === 2) {
    if (!at(0)) return decodeUtf16(b, false, 'utf-16-be')
    if (!at(1)) return decodeUtf16(b, true, 'utf-16-le')
  }
  return decodeUtf8(b)
}

function startsWith(b: Uint8Array, prefix: number[]): boolean {
  return b.length >= prefix.length && prefix.every((byte, i) => b[i] === byte)
}

// Python's UnicodeDecodeError, as a TypeError (what TextDecoder throws), at `offset`
// plus the position in `bytes` (the bytes after a UTF-16 or UTF-32 BOM).
function decodeError(codec: string, from: number, to: number, bytes: Uint8Array, reason: string, offset: number): TypeError {
  const at = (i: number) => i + offset
  const where = to - from === 1 ? `byte 0x${hex(bytes[from], 2)} in position ${at(from)}` : `bytes in position ${at(from)}-${at(to - 1)}`
  return new TypeError(`'${codec}' codec can't decode ${where}: ${reason}`)
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function decodeUtf8(b: Uint8Array): string {
  try {
    return utf8.decode(b)
  } catch {
    return decodeUtf8Slow(b)
  }
}

// Only for bytes TextDecoder refused: either a surrogate, which 'surrogatepass' lets
// through (ED A0..BF 80..BF), or an error to report as Python does.
function decodeUtf8Slow(b: Uint8Array): string {
  let out = ''
  let i = 0
  while (i < b.length) {
    const c = b[i]
    if (c < 0x80) {
      out += String.fromCharCode(c)
      i++
      continue
    }
    const [n, lo, hi] =
      c >= 0xc2 && c <= 0xdf ? [2, 0x80, 0xbf]
      : c === 0xe0 ? [3, 0xa0, 0xbf]
      : c === 0xed ? [3, 0x80, 0x9f]
      : c >= 0xe1 && c <= 0xef ? [3, 0x80, 0xbf]
      : c === 0xf0 ? [4, 0x90, 0xbf]
      : c >= 0xf1 && c <= 0xf3 ? [4, 0x80, 0xbf]
      : c === 0xf4 ? [4, 0x80, 0x8f]
      : [0, 0, 0]
    if (n === 0) throw decodeError('utf-8', i, i + 1, b, 'invalid start byte', 0)
    if (c === 0xed && i + 2 < b.length && b[i + 1] >= 0xa0 && b[i + 1] <= 0xbf && (b[i + 2] & 0xc0) === 0x80) {
      out += String.fromCharCode(0xd000 | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f))
      i += 3
      continue
    }
    let cp = c & (0xff >> (n + 1))
    for (let k = 1; k < n; k++) {
      if (i + k >= b.length) throw decodeError('utf-8', i, b.length, b, 'unexpected end of data', 0)
      const d = b[i + k]
      if (k === 1 ? d < lo || d > hi : (d & 0xc0) !== 0x80) throw decodeError('utf-8', i, i + k, b, 'invalid continuation byte', 0)
      cp = (cp << 6) | (d & 0x3f)
    }
    out += String.fromCodePoint(cp)
    i += n
  }
  return out
}

function decodeUtf16(b: Uint8Array, little: boolean, codec: string, offset = 0): string {
  const units: number[] = []
  for (let i = 0; i + 1 < b.length; i += 2) units.push(little ? b[i] | (b[i + 1] << 8) : (b[i] << 8) | b[i + 1])
  if (b.length % 2) throw decodeError(codec, b.length - 1, b.length, b, 'truncated data', offset)
  return fromCodes(units, String.fromCharCode)
}

function decodeUtf32(b: Uint8Array, little: boolean, codec: string, offset = 0): string {
  const points: number[] = []
  for (let i = 0; i + 3 < b.length; i += 4) {
    const cp = little ? (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0 : ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0
    if (cp > 0x10ffff) throw decodeError(codec, i, i + 4, b, 'code point not in range(0x110000)', offset)
    points.push(cp)
  }
  if (b.length % 4) throw decodeError(codec, b.length - (b.length % 4), b.length, b, 'truncated data', offset)
  return fromCodes(points, String.fromCodePoint)
}

function fromCodes(codes: number[], from: (...codes: number[]) => string): string {
  let out = ''
  for (let i = 0; i < codes.length; i += 8192) out += from(...codes.slice(i, i + 8192))
  return out
}

/**
 * Python's `json.dumps(value)` with its default arguments: `', '` and `': '` as
 * separators, non-ASCII escaped (`\u00e9`), `NaN` and `Infinity` written. Integer
 * numbers print as Python ints, with every digit (`1e21` gives
 * `1000000000000000000000`); other numbers and {@link PyFloat}s as Python floats
 * (`1e-05`, `1.5e+16`, `1.0`). `undefined` is written as `null`, in objects and
 * arrays too (JSON.stringify drops it; Python has only None). Number, String,
 * Boolean and BigInt objects are written as their values.
 *
 * @example
 * ```ts
 * import { pyJsonDumps } from 'rxtrain'
 * pyJsonDumps({ a: [1, 0.5, 'é'], b: null }) // '{"a": [1, 0.5, "\\u00e9"], "b": null}'
 * ```
 * @param value the value
 * @returns the JSON text, as Python writes it
 * @throws TypeError, as Python's json.dumps does, for what it cannot serialise:
 *   bytes (Uint8Array), functions, symbols, Map, Set, Date, class instances
 *   (`Object of type bytes is not JSON serializable`), and for a circular reference
 *   (`Circular reference detected`, a ValueError in Python)
 */
export function pyJsonDumps(value: unknown): string {
  return encode(value, 0)
}

/** Past this depth, encode checks for a cycle (cheaper than tracking every container). */
const CHECK_CYCLES_AT = 200

function encode(value: unknown, depth: number): string {
  if (value === null || value === undefined) return 'null'
  switch (typeof value) {
    case 'string':
      return jsonString(value)
    case 'number':
      return numberJson(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'bigint':
      return intString(value)
    case 'object':
      break
    default:
      throw notSerializable(value)
  }
  const list = Array.isArray(value)
  if (!list) {
    if (value instanceof PyFloat) return jsonFloat(value.valueOf())
    const unboxed = unbox(value)
    if (unboxed !== value) return encode(unboxed, depth)
    if (!isPlainObject(value)) throw notSerializable(value)
  }
  if (depth === CHECK_CYCLES_AT && hasCycle(value, new Set())) throw new TypeError('Circular reference detected')
  let out: string
  if (list) {
    out = '['
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      if (i > 0) out += ', '
      out += typeof item === 'number' ? numberJson(item) : encode(item, depth + 1)
    }
    out += ']'
  } else {
    const obj = value as Record<string, unknown>
    out = '{'
    let first = true
    for (const key of keysOf(obj)) {
      out += (first ? '' : ', ') + jsonString(key) + ': ' + encode(obj[key], depth + 1)
      first = false
    }
    out += '}'
  }
  return out
}

/** Whether a container reaches itself (what Python's json.dumps calls a circular reference). */
function hasCycle(value: object, open: Set<object>): boolean {
  if (open.has(value)) return true
  open.add(value)
  const children = Array.isArray(value) ? value : Object.values(value)
  for (const child of children) {
    if (typeof child === 'object' && child !== null && hasCycle(child, open)) return true
  }
  open.delete(value)
  return false
}

/** The value of a Number, String, Boolean or BigInt object; anything else (a PyFloat too) as is. */
function unbox(value: object): unknown {
  if (value instanceof PyFloat) return value
  if (value instanceof Number || value instanceof String || value instanceof Boolean || value instanceof BigInt) return value.valueOf()
  return value
}

export function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** A dict's keys in Python's order: as read by pyJsonLoads, with keys added since at the end. */
export function keysOf(obj: Record<string, unknown>): string[] {
  const keys = Object.keys(obj)
  const order = (obj as { [KEY_ORDER]?: string[] })[KEY_ORDER]
  if (order === undefined) return keys
  const own = new Set(keys)
  const inOrder = order.filter((key) => own.has(key))
  if (inOrder.length !== keys.length) {
    const seen = new Set(inOrder)
    for (const key of keys) if (!seen.has(key)) inOrder.push(key)
  }
  return inOrder
}

function notSerializable(value: unknown): TypeError {
  return new TypeError(`Object of type ${pyTypeName(value)} is not JSON serializable`)
}

/**
 * The name Python would give a value's type (`int`, `dict`, `bytes`), or for JS
 * values with no Python type, the JS one (`Map`, `symbol`); used in error messages.
 */
function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType'
  switch (typeof value) {
    case 'boolean':
      return 'bool'
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float'
    case 'bigint':
      return 'int'
    case 'string':
      return 'str'
    case 'function':
      return 'function'
    case 'symbol':
      return 'symbol'
  }
  const obj = value as object
  if (obj instanceof PyFloat) return 'float'
  if (obj instanceof Uint8Array) return 'bytes'
  if (Array.isArray(obj)) return 'list'
  if (obj instanceof Set) return 'set'
  if (obj instanceof Date) return 'datetime'
  const unboxed = unbox(obj)
  if (unboxed !== obj) return pyTypeName(unboxed)
  if (isPlainObject(obj)) return 'dict'
  return obj.constructor?.name || 'object'
}

const JSON_ESCAPE = /[\\"\u0000-\u001f\u007f-\uffff]/g
const JSON_SHORT: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' }

// ensure_ascii: every UTF-16 unit outside ' '..'~' is \uXXXX, so an astral
// character comes out as its surrogate pair, as Python writes it.
const PLAIN_ASCII = /^[ !#-\[\]-~]*$/

export function jsonString(s: string): string {
  if (PLAIN_ASCII.test(s)) return '"' + s + '"'
  return '"' + s.replace(JSON_ESCAPE, (ch) => JSON_SHORT[ch] ?? '\\u' + hex(ch.charCodeAt(0), 4)) + '"'
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0')
}

/** A safe integer's digits: int32 values and the halves of larger ones convert fast (as small ints). */
export function safeIntText(n: number): string {
  if ((n | 0) === n) return '' + n // -0 too gives '0'
  const abs = n < 0 ? -n : n
  const high = Math.floor(abs / 1e9)
  const low = abs - high * 1e9
  return (n < 0 ? '-' : '') + high + ('' + (low + 1e9)).slice(1)
}

function intString(n: number | bigint): string {
  if (typeof n === 'number' && Number.isSafeInteger(n)) return safeIntText(n)
  const text = BigInt(n).toString()
  if (typeof n === 'bigint') {
    const digits = text.length - (n < 0n ? 1 : 0)
    if (digits > INT_MAX_STR_DIGITS) throw intDigitsError(digits)
  }
  return text
}

/** 10 ** d for d in 0..9. */
export const POWERS = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]

/**
 * How many decimals the repr of a positive float has when it has at most 9 and fewer
 * than 2**31 scaled digits, found by arithmetic instead of V8's shortest-digits search
 * (several times faster); 0 for any other float. With d the answer, the digits are
 * k = Math.round(x * 10 ** d): k / 10**d is the correctly rounded value of the
 * decimal k·10⁻ᵈ (both operands are exact), so when it equals x that decimal reads
 * back as x; with at most 10 significant digits no other decimal as short does, and
 * the first d that works gives the fewest digits: the shortest round-trip digits
 * float.__repr__ writes.
 */
export function shortDecimalPlaces(x: number): number {
  // A decimal of at most 9 places, times 10**9, is an integer; so x * 10**9 is within
  // two roundings of one, |off| <= scaled * 2**-52. A float further off (a float32
  // score, mostly) has no such decimal: the search is skipped.
  const scaled9 = x * 1e9
  const off9 = scaled9 - Math.round(scaled9)
  const slack = scaled9 * 1e-15 + 1e-9
  if (off9 > slack || off9 < -slack) return 0
  for (let d = 1; d <= 9; d++) {
    const scaled = x * POWERS[d]!
    if (scaled >= 2147483647) return 0
    const k = Math.round(scaled)
    // When k / 10**d is x, x * 10**d is within two roundings of k: |scaled - k| <= k * 2**-52 < 5e-7.
    // Further off, it is not, and the division is skipped.
    const off = scaled - k
    if (off > 1e-6 || off < -1e-6) continue
    if (k / POWERS[d]! === x) return k % 10 === 0 ? 0 : d // k ending in 0: a shorter one exists; leave it to the exact search
  }
  return 0
}

/** The repr of a positive float as {@link shortDecimalPlaces} finds it, or undefined. */
function shortDecimal(x: number): string | undefined {
  const d = shortDecimalPlaces(x)
  if (d === 0) return undefined
  const k = Math.round(x * POWERS[d]!)
  if (k < POWERS[d]!) return '0.' + ('' + (k + POWERS[d]!)).slice(1) // below 1: one conversion, zeros kept
  const digits = '' + k
  return digits.slice(0, digits.length - d) + '.' + digits.slice(digits.length - d)
}

/** A JS number as json.dumps writes it: integral ones as ints, the rest as floats. */
export function numberJson(x: number): string {
  if ((x | 0) === x) return '' + x // -0 too gives '0'
  // A score or a rate: not an integer (those below 1e5 are int32), so String(x) is its repr (as floatRepr finds).
  if (x > 1e-4 && x < 1e5) return shortDecimal(x) ?? String(x)
  return Number.isInteger(x) ? intString(x) : jsonFloat(x)
}

function jsonFloat(x: number): string {
  if (x !== x) return 'NaN'
  if (x === Infinity) return 'Infinity'
  if (x === -Infinity) return '-Infinity'
  return floatRepr(x)
}

// float.__repr__: the shortest digits that read back as x (JS's Number::toString
// finds the same ones), in exponent form when the exponent is < -4 or >= 16, else
// positional with a '.0' when integral.
function floatRepr(x: number): string {
  if (x !== x) return 'nan'
  if (x === Infinity) return 'inf'
  if (x === -Infinity) return '-inf'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const abs = Math.abs(x)
  if (abs >= 1e-4 && abs < 1e16) {
    const short = shortDecimal(abs)
    if (short !== undefined) return x < 0 ? '-' + short : short
    // Both write this range in fixed notation with the shortest round-trip digits.
    const text = String(x)
    return text.includes('.') ? text : text + '.0'
  }
  const sign = x < 0 ? '-' : ''
  const [mantissa, exponent = '0'] = String(Math.abs(x)).split('e')
  const [whole, fraction = ''] = mantissa.split('.')
  // x = 0.<digits> * 10^point, with no leading or trailing zero in digits
  let digits = whole + fraction
  let point = whole.length + Number(exponent)
  const lead = digits.length - digits.replace(/^0+/, '').length
  digits = digits.slice(lead).replace(/0+$/, '')
  point -= lead
  const exp = point - 1
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`
  }
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`
  return `${sign}${digits.slice(0, point).padEnd(point, '0')}.${digits.slice(point) || '0'}`
}

/**
 * Python's `repr()` of the value (as mapped at the top of this module): `None`,
 * `True`, ints, floats (`nan`, `inf`, `1e-05`, `1.0`), strings in Python's quotes
 * with its escapes, bytes (`b'\x00'`), lists and dicts (`{'a': [1, 2.5]}`, `[...]`
 * for a list inside itself). JS values Python has no type for get a stand-in in
 * angle brackets: `<function name>`, `<Map {'a': 1}>`, `<Set {1, 2}>`,
 * `<Date 2024-01-01T00:00:00.000Z>`, `<Foo object>` for a class instance, `<symbol x>`;
 * an Error is written as Python writes an exception, `TypeError('message')`.
 *
 * @example
 * ```ts
 * import { pyRepr } from 'rxtrain'
 * pyRepr({ a: ["it's", 1e-7, null] }) // `{'a': ["it's", 1e-07, None]}`
 * ```
 * @param value the value
 * @returns its Python repr
 */
export function pyRepr(value: unknown): string {
  return repr(value, new Set())
}

function repr(value: unknown, open: Set<object>): string {
  if (value === null || value === undefined) return 'None'
  switch (typeof value) {
    case 'boolean':
      return value ? 'True' : 'False'
    case 'number':
      return Number.isInteger(value) ? intString(value) : floatRepr(value)
    case 'bigint':
      return intString(value)
    case 'string':
      return strRepr(value)
    case 'function':
      return `<function ${value.name || '<anonymous>'}>`
    case 'symbol':
      return `<symbol ${value.description ?? ''}>`
  }
  const obj = value as object
  if (obj instanceof PyFloat) return floatRepr(obj.valueOf())
  const unboxed = unbox(obj)
  if (unboxed !== obj) return repr(unboxed, open)
  if (obj instanceof Uint8Array) return bytesRepr(obj)
  if (obj instanceof Date) return `<Date ${isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString()}>`
  if (obj instanceof Error) return `${obj.name}(${obj.message ? strRepr(obj.message) : ''})`
  const list = Array.isArray(obj)
  const dict = !list && isPlainObject(obj)
  if (!list && !dict && !(obj instanceof Map) && !(obj instanceof Set)) return `<${obj.constructor?.name || 'object'} object>`
  if (open.has(obj)) return list ? '[...]' : dict ? '{...}' : `<${obj.constructor.name} {...}>`
  open.add(obj)
  let out: string
  if (list) out = '[' + Array.from(obj, (item) => repr(item, open)).join(', ') + ']'
  else if (dict) {
    const record = obj as Record<string, unknown>
    out = '{' + keysOf(record).map((key) => `${strRepr(key)}: ${repr(record[key], open)}`).join(', ') + '}'
  } else if (obj instanceof Map) {
    out = '<Map {' + Array.from(obj, ([key, item]) => `${repr(key, open)}: ${repr(item, open)}`).join(', ') + '}>'
  } else {
    out = '<Set {' + Array.from(obj as Set<unknown>, (item) => repr(item, open)).join(', ') + '}>'
  }
  open.delete(obj)
  return out
}

// Python's str.isprintable() is false for Unicode's Other (Cc Cf Cs Co Cn) and
// Separator (Zs Zl Zp) categories, but for the ASCII space. The categories come from
// the Unicode version of Node's ICU, which may differ from the Python's.
const NOT_PRINTABLE = /[\p{C}\p{Z}]/u

function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'"
  let out = quote
  for (const ch of s) {
    const cp = ch.codePointAt(0)!
    if (ch === quote || ch === '\\') out += '\\' + ch
    else if (ch === '\t') out += '\\t'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + hex(cp, 2)
    else if (cp < 0x7f || !NOT_PRINTABLE.test(ch)) out += ch
    else if (cp <= 0xff) out += '\\x' + hex(cp, 2)
    else if (cp <= 0xffff) out += '\\u' + hex(cp, 4)
    else out += '\\U' + hex(cp, 8)
  }
  return out + quote
}

function bytesRepr(b: Uint8Array): string {
  let hasSingle = false
  let hasDouble = false
  for (const c of b) {
    if (c === 0x27) hasSingle = true
    else if (c === 0x22) hasDouble = true
  }
  const quote = hasSingle && !hasDouble ? 0x22 : 0x27
  let out = 'b' + String.fromCharCode(quote)
  for (const c of b) {
    if (c === quote || c === 0x5c) out += '\\' + String.fromCharCode(c)
    else if (c === 0x09) out += '\\t'
    else if (c === 0x0a) out += '\\n'
    else if (c === 0x0d) out += '\\r'
    else if (c < 0x20 || c >= 0x7f) out += '\\x' + hex(c, 2)
    else out += String.fromCharCode(c)
  }
  return out + String.fromCharCode(quote)
}

/**
 * Python's `str()` of the value, as an f-string interpolates it: a string as is, an
 * Error's message (as str of an exception), anything else as {@link pyRepr}
 * (`None`, `True`, `1.0`, `[1, 'a']`, `b'x'`).
 *
 * @example
 * ```ts
 * import { pyStr } from 'rxtrain'
 * `${pyStr(null)};${pyStr('a')};${pyStr([1.5, 'b'])}` // "None;a;[1.5, 'b']"
 * ```
 * @param value the value
 * @returns its Python str
 */
export function pyStr(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' && Number.isSafeInteger(value)) return safeIntText(value)
  if (value instanceof String) return value.valueOf()
  if (value instanceof Error) return value.message
  return pyRepr(value)
}

/**
 * Python's `bool()` of the value: false for None (null, undefined), False, zero
 * (0, -0, 0n, a zero PyFloat; NaN is true), the empty string, and empty bytes,
 * lists, dicts, Maps and Sets; true for everything else.
 *
 * @example
 * ```ts
 * import { pyBool } from 'rxtrain'
 * [0, NaN, '', [], {}, { a: 0 }].map(pyBool) // [false, true, false, false, false, true]
 * ```
 * @param value the value
 * @returns its Python truth value
 */
export function pyBool(value: unknown): boolean {
  if (value === null || value === undefined) return false
  switch (typeof value) {
    case 'boolean':
      return value
    case 'number':
      return value !== 0
    case 'bigint':
      return value !== 0n
    case 'string':
      return value.length > 0
    case 'object':
      break
    default:
      return true
  }
  const obj = value as object
  if (obj instanceof PyFloat) return obj.valueOf() !== 0
  const unboxed = unbox(obj)
  if (unboxed !== obj) return pyBool(unboxed)
  if (Array.isArray(obj) || obj instanceof Uint8Array) return obj.length > 0
  if (obj instanceof Map || obj instanceof Set) return obj.size > 0
  if (isPlainObject(obj)) return Object.keys(obj).length > 0
  return true
}
