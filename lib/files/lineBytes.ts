// Laying a record out straight into bytes. Making a line's string and then encoding
// it costs several times what writing its bytes does, so a layout may come with a
// byte form (LAYOUT_BYTES) that fileSink writes with. The `put*` functions here
// write the common values (short ASCII strings, safe integers, floats within
// 1e-4 < |x| < 1e5, short flat lists of those) as pyjson.ts writes them, each returning the
// position after what it wrote, or -1 when the value needs pyjson.ts: the layout
// then writes its string instead.
import { isPlainObject, jsonString, keysOf, numberJson, POWERS, pyJsonDumps, shortDecimalPlaces } from './pyjson.js'

/**
 * Where a byte layout writes a line: `buf` from `pos` on. A layout calls `reserve(n)`
 * before writing n bytes (which may replace `buf`, keeping what is before `pos`), and
 * moves `pos` past what it wrote.
 */
export interface LineOut {
  buf: Uint8Array
  pos: number
  /** Where the line being laid out began in `buf` (kept up to date when `reserve` replaces it): set `pos` back to it to start the line over. */
  lineStart: number
  reserve(n: number): void
}

/**
 * A layout that writes its line (without the newline) into a {@link LineOut}, or,
 * having written nothing, returns it as a string (which fileSink encodes with other
 * such lines, once per batch).
 */
export type ByteLayout = (obj: any, out: LineOut) => string | void

/**
 * The key under which a layout function carries its byte form: `fileSink` writes with
 * `layoutFn[LAYOUT_BYTES]` when there is one. It must write exactly the UTF-8 of what
 * the function returns, and throw where it throws.
 */
export const LAYOUT_BYTES = Symbol('rxtrain.layoutBytes')

/** The byte form of a layout function, if it has one. */
export function byteLayoutOf(layoutFn: (obj: any) => string): ByteLayout | undefined {
  return (layoutFn as { [LAYOUT_BYTES]?: ByteLayout })[LAYOUT_BYTES]
}

const encoder = new TextEncoder()

/** Writes a string as UTF-8: ASCII a unit at a time, anything else by the encoder. */
export function writeText(out: LineOut, s: string): void {
  const n = s.length
  out.reserve(n * 3) // UTF-8 takes at most 3 bytes per UTF-16 unit
  const buf = out.buf
  let pos = out.pos
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c > 0x7f) {
      out.pos = pos + encoder.encodeInto(s.slice(i), buf.subarray(pos)).written
      return
    }
    buf[pos++] = c
  }
  out.pos = pos
}

/** The most bytes a `put*` call writes for one string, number or list. */
export const MAX_STRING = 32
// '-' and 16 digits; '-', '0.000' and 17 significant digits
const MAX_NUMBER = 24
const MAX_LIST = 8
/** Room for a list `putJson` writes: brackets, and each number with its ', '. */
export const MAX_LIST_BYTES = 2 + MAX_LIST * (MAX_NUMBER + 2)

/** '00', '01', ... '99' as ASCII byte pairs. */
const PAIRS = new Uint8Array(200)
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = 48 + Math.floor(i / 10)
  PAIRS[2 * i + 1] = 48 + (i % 10)
}

/** How many decimal digits 0 <= n < 2**31 has. */
function digitCount(n: number): number {
  if (n < 1e5) return n < 100 ? (n < 10 ? 1 : 2) : n < 1e3 ? 3 : n < 1e4 ? 4 : 5
  return n < 1e7 ? (n < 1e6 ? 6 : 7) : n < 1e8 ? 8 : n < 1e9 ? 9 : 10
}

/**
 * Writes 0 <= n < 2**31 as `width` digits ending at `end` (zeros first when n has
 * fewer), two at a time, in int32 arithmetic.
 */
function digitsBefore(buf: Uint8Array, end: number, n: number, width: number): void {
  let i = end
  const start = end - width
  while (n >= 100) {
    const q = (n / 100) | 0
    const r = (n - q * 100) << 1
    buf[--i] = PAIRS[r + 1]!
    buf[--i] = PAIRS[r]!
    n = q
  }
  if (n >= 10) {
    const r = n << 1
    buf[--i] = PAIRS[r + 1]!
    buf[--i] = PAIRS[r]!
  } else buf[--i] = 48 + n
  while (i > start) buf[--i] = 48
}

/** Writes 0 <= n < 2**31 in decimal at `pos`; returns the position after it. */
function putUint31(buf: Uint8Array, pos: number, n: number): number {
  const end = pos + digitCount(n)
  digitsBefore(buf, end, n, 1)
  return end
}

/** Writes a safe integer as pyjson's safeIntText does (-0 as 0). */
function putSafeInt(buf: Uint8Array, pos: number, n: number): number {
  if (n < 0) {
    buf[pos++] = 45
    n = -n
  }
  if (n < 2147483648) return putUint31(buf, pos, n | 0)
  const high = Math.floor(n / 1e9)
  pos = putUint31(buf, pos, high | 0)
  digitsBefore(buf, pos + 9, (n - high * 1e9) | 0, 9)
  return pos + 9
}

/**
 * Writes a number as json.dumps writes it (pyjson's numberJson): safe ints, and floats
 * within 1e-4 < |x| < 1e5; -1 for any other.
 */
function putNumberJson(buf: Uint8Array, pos: number, x: number): number {
  if ((x | 0) === x) {
    if (x >= 0 && x < 10) {
      buf[pos] = 48 + x // a label's 0 or 1, mostly
      return pos + 1
    }
    return putSafeInt(buf, pos, x)
  }
  const abs = x < 0 ? -x : x
  if (abs > 1e-4 && abs < 1e5) {
    const d = shortDecimalPlaces(abs)
    if (d === 0) return putAscii(buf, pos, '' + x) // not an integer: String(x) is its repr, as numberJson finds
    if (x < 0) buf[pos++] = 45
    const scale = POWERS[d]!
    const k = Math.round(abs * scale) | 0
    const whole = k < scale ? 0 : (k / scale) | 0
    pos = putUint31(buf, pos, whole)
    buf[pos++] = 46 // .
    digitsBefore(buf, pos + d, k - whole * scale, d)
    return pos + d
  }
  return Number.isSafeInteger(x) ? putSafeInt(buf, pos, x) : -1
}

/** Writes an ASCII string of at most MAX_NUMBER units. */
function putAscii(buf: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i)
  return pos
}

/**
 * Writes a value as json.dumps writes it: a number as {@link putNumberJson} does, or
 * a list of up to MAX_LIST of them; -1 for any other value.
 */
export function putJson(buf: Uint8Array, pos: number, value: unknown): number {
  if (typeof value === 'number') return putNumberJson(buf, pos, value)
  if (!Array.isArray(value) || value.length > MAX_LIST) return -1
  buf[pos++] = 91 // [
  for (let i = 0; i < value.length; i++) {
    if (i > 0) {
      buf[pos++] = 44 // ,
      buf[pos++] = 32
    }
    const item: unknown = value[i]
    if (typeof item !== 'number') return -1
    pos = putNumberJson(buf, pos, item)
    if (pos < 0) return -1
  }
  buf[pos++] = 93 // ]
  return pos
}

/**
 * Writes a value as Python's str() writes it (pyjson's pyStr): an ASCII string of up
 * to MAX_STRING units, or a safe integer; -1 for any other value.
 */
export function putStr(buf: Uint8Array, pos: number, value: unknown): number {
  if (typeof value === 'string') {
    const n = value.length
    if (n > MAX_STRING) return -1
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i)
      if (c > 0x7f) return -1
      buf[pos++] = c
    }
    return pos
  }
  if (typeof value === 'number' && Number.isSafeInteger(value)) return putSafeInt(buf, pos, value)
  return -1
}

/** Containers nested deeper than this are left to pyJsonDumps (which finds a container inside itself). */
const MAX_DEPTH = 32

/**
 * Writes a value as json.dumps writes it (pyjson's pyJsonDumps), lists and dicts
 * straight as bytes; false, having written part of it, for a value it leaves to
 * pyJsonDumps's text as a whole: one nested past MAX_DEPTH, or one pyJsonDumps cannot
 * write (bytes, a Map, a class instance: the caller then writes its repr).
 */
export function writeJson(out: LineOut, value: unknown, depth = 0): boolean {
  switch (typeof value) {
    case 'number': {
      out.reserve(MAX_NUMBER)
      const end = putNumberJson(out.buf, out.pos, value)
      if (end >= 0) out.pos = end
      else writeText(out, numberJson(value))
      return true
    }
    case 'string':
      writeJsonString(out, value)
      return true
    case 'boolean':
      writeText(out, value ? 'true' : 'false')
      return true
    case 'undefined':
      writeText(out, 'null')
      return true
    case 'object':
      break
    default:
      return writeJsonText(out, value)
  }
  if (value === null) {
    writeText(out, 'null')
    return true
  }
  if (depth === MAX_DEPTH) return false
  if (Array.isArray(value)) {
    writeText(out, '[')
    for (let i = 0; i < value.length; i++) {
      if (i > 0) writeText(out, ', ')
      if (!writeJson(out, value[i], depth + 1)) return false
    }
    writeText(out, ']')
    return true
  }
  if (!isPlainObject(value)) return writeJsonText(out, value) // a PyFloat, a boxed primitive; or one json.dumps refuses
  const obj = value as Record<string, unknown>
  writeText(out, '{')
  let first = true
  for (const key of keysOf(obj)) {
    if (!first) writeText(out, ', ')
    first = false
    writeJsonString(out, key)
    writeText(out, ': ')
    if (!writeJson(out, obj[key], depth + 1)) return false
  }
  writeText(out, '}')
  return true
}

/** pyJsonDumps's text for the value; false when it throws (the value is not JSON). */
function writeJsonText(out: LineOut, value: unknown): boolean {
  let text: string
  try {
    text = pyJsonDumps(value)
  } catch {
    return false
  }
  writeText(out, text)
  return true
}

/** A string in double quotes, escaped as json.dumps escapes it (printable ASCII but '"' and '\\' as is). */
function writeJsonString(out: LineOut, s: string): void {
  const n = s.length
  out.reserve(n + 2)
  const buf = out.buf
  let pos = out.pos
  buf[pos++] = 34 // "
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c > 0x7e || c === 34 || c === 92) {
      writeText(out, jsonString(s))
      return
    }
    buf[pos++] = c
  }
  buf[pos++] = 34
  out.pos = pos
}
