// Monolith's FileMetricHook helpers (default_parse_fn, default_layout_fn,
// vepfs_layout_fn, vepfs_key_fn), writing byte for byte what the Python writes.
import { LAYOUT_BYTES, MAX_LIST_BYTES, MAX_STRING, putJson, putStr, writeJson, writeText, type LineOut } from './lineBytes.js'
import { pyBool, pyJsonDumps, pyJsonLoads, pyRepr, pyStr } from './pyjson.js'

/**
 * The default parse function: a string or bytes is JSON, read as Python's
 * `json.loads` reads it; anything else (null included) is returned as is.
 *
 * @example
 * ```ts
 * import { defaultParse } from 'rxtrain'
 * defaultParse('{"predict": [0.5]}') // { predict: [0.5] }
 * ```
 * @param obj a raw record
 * @returns the parsed record
 * @throws JSONDecodeError when a string or bytes is not JSON
 */
export function defaultParse(obj: unknown): unknown {
  return typeof obj === 'string' || obj instanceof Uint8Array ? pyJsonLoads(obj) : obj
}

/**
 * The default layout: a string as is, anything else as Python's `json.dumps` writes
 * it, or, when it cannot (bytes, a circular reference, a Map), as its Python `repr()`,
 * as the Python's bare `except: return repr(obj)` does.
 *
 * @example
 * ```ts
 * import { defaultLayout } from 'rxtrain'
 * defaultLayout({ loss: 0.5, tag: 'é' }) // '{"loss": 0.5, "tag": "\\u00e9"}'
 * defaultLayout(new Uint8Array([104, 105])) // "b'hi'"
 * ```
 * @param obj a parsed record
 * @returns one line
 */
export function defaultLayout(obj: unknown): string {
  if (typeof obj === 'string') return obj
  try {
    return pyJsonDumps(obj)
  } catch {
    return pyRepr(obj)
  }
}

/**
 * defaultLayout's line as UTF-8, byte for byte, written into `out` (what fileSink
 * writes with): lists and dicts straight as bytes; a value json.dumps cannot write,
 * or nested too deep, starts the line over as defaultLayout's text. A string is
 * returned as is, for fileSink to encode.
 */
function defaultLayoutBytes(obj: unknown, out: LineOut): string | void {
  if (typeof obj === 'string') return obj // encoded with the batch's other strings
  if (!writeJson(out, obj)) {
    out.pos = out.lineStart
    writeText(out, defaultLayout(obj))
  }
}

Object.defineProperty(defaultLayout, LAYOUT_BYTES, { value: defaultLayoutBytes })

/**
 * Python's `obj.get(key)`: an own key's value, else undefined (None). Object.prototype
 * has none of the keys read here, so for a plain object (`plain`) a read is an
 * own-key read, with no hasOwn to pay for.
 */
function get(obj: Record<string, unknown>, key: string, plain: boolean): unknown {
  const value = obj[key]
  if (value === undefined || plain) return value
  return Object.hasOwn(obj, key) ? value : undefined
}

const isPlain = (obj: object) => Object.getPrototypeOf(obj) === Object.prototype

/** Python's `obj.get(k1) or obj.get(k2) or ... or fallback` (`or` by Python's truthiness). */
function firstTruthy(obj: Record<string, unknown>, plain: boolean, keys: readonly string[], fallback: unknown): unknown {
  for (const key of keys) {
    const value = get(obj, key, plain)
    if (truthy(value)) return value
  }
  return fallback
}

const REQ_TIME = ['__REQ_TIME__']
const GID = ['__FEED_ID__', 'feedid', 'gid']
const UID = ['__UID__', 'userid', 'uid']
const MODEL_NAME = ['model_name']

/**
 * The VePFS layout: `req_time;gid;uid;predict;label`, where req_time is
 * `__REQ_TIME__` or `req_time`, gid is `__FEED_ID__`, `feedid`, `gid` or the text
 * `gid`, uid is `__UID__`, `userid`, `uid` or the text `uid` (each "or" by Python's
 * truthiness, so 0 and '' fall through), and predict and label are JSON as
 * `json.dumps` writes them, or `None` when the record has no such key. Values are
 * written as Python's f-string writes them (`None`, `True`, `1.0`, `[1, 'a']`).
 *
 * @example
 * ```ts
 * import { vepfsLayout } from 'rxtrain'
 * vepfsLayout({ req_time: '20240101', uid: 7, predict: [0.5] }) // '20240101;gid;7;[0.5];None'
 * ```
 * @param obj a parsed record
 * @returns one line
 * @throws TypeError when predict or label cannot be written as JSON (as the Python raises)
 */
export function vepfsLayout(obj: Record<string, unknown>): string {
  const plain = isPlain(obj)
  const ids = pyStr(reqTimeOf(obj, plain)) + ';' + pyStr(gidOf(obj, plain)) + ';' + pyStr(uidOf(obj, plain)) + ';'
  const predictScores = Object.hasOwn(obj, 'predict') ? pyJsonDumps(obj.predict) : 'None'
  const labels = Object.hasOwn(obj, 'label') ? pyJsonDumps(obj.label) : 'None'
  return ids + predictScores + ';' + labels
}

const SEMICOLON = 0x3b
/** Room for every field of a line written straight as bytes: three ids and their ';', two lists and a ';'. */
const LINE_ROOM = 3 * (MAX_STRING + 1) + 2 * MAX_LIST_BYTES + 1

/**
 * vepfsLayout's line as UTF-8, byte for byte, written into `out` (what fileSink writes
 * with). The common fields (ids that are short ASCII strings or ints, predict and
 * label numbers or short lists of them) are written straight as bytes, any other as
 * the text vepfsLayout makes for it.
 */
function vepfsLayoutBytes(obj: Record<string, unknown>, out: LineOut): void {
  if (!isPlain(obj)) {
    writeText(out, vepfsLayout(obj))
    return
  }
  out.reserve(LINE_ROOM)
  const end = commonLine(obj, out.buf, out.pos)
  if (end >= 0) {
    out.pos = end
    return
  }
  // Field by field. Room for the whole line is made again after a field written as
  // text: a field written as bytes needs no check.
  strField(out, reqTimeOf(obj, true))
  strField(out, gidOf(obj, true))
  strField(out, uidOf(obj, true))
  const predict = obj.predict
  jsonField(out, predict, predict !== undefined || Object.hasOwn(obj, 'predict'))
  out.buf[out.pos++] = SEMICOLON
  const label = obj.label
  jsonField(out, label, label !== undefined || Object.hasOwn(obj, 'label'))
}

Object.defineProperty(vepfsLayout, LAYOUT_BYTES, { value: vepfsLayoutBytes })

/** The line of a plain object whose fields are all common, in one go, at `pos`; -1 for any other. */
function commonLine(obj: Record<string, unknown>, buf: Uint8Array, pos: number): number {
  pos = putStr(buf, pos, reqTimeOf(obj, true))
  if (pos < 0) return -1
  buf[pos++] = SEMICOLON
  pos = putStr(buf, pos, gidOf(obj, true))
  if (pos < 0) return -1
  buf[pos++] = SEMICOLON
  pos = putStr(buf, pos, uidOf(obj, true))
  if (pos < 0) return -1
  buf[pos++] = SEMICOLON
  const predict = obj.predict // defined: an own key, as Object.prototype has none of these (and a read is cheaper than hasOwn)
  pos = predict !== undefined || Object.hasOwn(obj, 'predict') ? putJson(buf, pos, predict) : putNone(buf, pos)
  if (pos < 0) return -1
  buf[pos++] = SEMICOLON
  const label = obj.label
  return label !== undefined || Object.hasOwn(obj, 'label') ? putJson(buf, pos, label) : putNone(buf, pos)
}

/** Writes `pyStr(value)` and a ';'. */
function strField(out: LineOut, value: unknown): void {
  let end = putStr(out.buf, out.pos, value)
  if (end < 0) {
    writeText(out, pyStr(value))
    out.reserve(LINE_ROOM)
    end = out.pos
  }
  out.buf[end] = SEMICOLON
  out.pos = end + 1
}

/** Writes `pyJsonDumps(value)`, or `None` when the record has no such key. */
function jsonField(out: LineOut, value: unknown, present: boolean): void {
  const end = present ? putJson(out.buf, out.pos, value) : putNone(out.buf, out.pos)
  if (end >= 0) {
    out.pos = end
    return
  }
  writeText(out, pyJsonDumps(value))
  out.reserve(LINE_ROOM)
}

function putNone(buf: Uint8Array, pos: number): number {
  buf[pos] = 78 // N
  buf[pos + 1] = 111
  buf[pos + 2] = 110
  buf[pos + 3] = 101
  return pos + 4
}

// vepfs_layout_fn's `obj.get(a) or obj.get(b) or ...`: for a plain object (`plain`),
// read at named sites, which stay fast; for any other, own keys only, by name.

/** `__REQ_TIME__ or req_time` (vepfs_key_fn reads the date the same way). */
function reqTimeOf(obj: Record<string, unknown>, plain: boolean): unknown {
  if (!plain) return firstTruthy(obj, false, REQ_TIME, get(obj, 'req_time', false))
  const first = obj.__REQ_TIME__
  return truthy(first) ? first : obj.req_time
}

/** `__FEED_ID__ or feedid or gid or 'gid'`. */
function gidOf(obj: Record<string, unknown>, plain: boolean): unknown {
  if (!plain) return firstTruthy(obj, false, GID, 'gid')
  return or3(obj.__FEED_ID__, obj.feedid, obj.gid, 'gid')
}

/** `__UID__ or userid or uid or 'uid'`. */
function uidOf(obj: Record<string, unknown>, plain: boolean): unknown {
  if (!plain) return firstTruthy(obj, false, UID, 'uid')
  return or3(obj.__UID__, obj.userid, obj.uid, 'uid')
}

const or3 = (a: unknown, b: unknown, c: unknown, fallback: string): unknown => (truthy(a) ? a : truthy(b) ? b : truthy(c) ? c : fallback)

/** pyBool, with strings and numbers first. */
function truthy(value: unknown): boolean {
  if (value === undefined) return false
  if (typeof value === 'string') return value !== ''
  if (typeof value === 'number') return value !== 0
  return pyBool(value)
}

/**
 * The VePFS key: the directory `baseName/model_name/date/worker_<workerId>`, joined
 * as Python's `os.path.join` joins (an absolute part starts the path over, an empty
 * part adds nothing but a separator), where model_name is the record's `model_name`
 * or the text `model_name`, and date its `__REQ_TIME__` or `req_time`. An undefined
 * `workerId` gives `worker_None`, as the Python does. Nothing is sanitised here: the
 * sink checks that keys stay under its base directory.
 *
 * @example
 * ```ts
 * import { vepfsKey } from 'rxtrain'
 * vepfsKey({ model_name: 'ctr', req_time: '20240101' }, 3, 'runs') // 'runs/ctr/20240101/worker_3'
 * ```
 * @param obj a parsed record
 * @param workerId this worker's index
 * @param baseName the directory keys start from
 * @returns the directory for the record
 * @throws TypeError when the record has no truthy `__REQ_TIME__` and its `req_time`
 *   is missing or null, or when model_name or the date is not a string (the Python
 *   raises TypeError for these too)
 */
export function vepfsKey(obj: Record<string, unknown>, workerId: number | undefined, baseName: string): string {
  const plain = isPlain(obj)
  const modelName = plain ? (truthy(obj.model_name) ? obj.model_name : 'model_name') : firstTruthy(obj, false, MODEL_NAME, 'model_name')
  const date = reqTimeOf(obj, plain)
  // Records in a row mostly share their key: the last one is kept (the sink's lookup
  // of the very same string is then cheap too).
  const last = lastKey
  if (modelName === last.modelName && date === last.date && workerId === last.workerId && baseName === last.baseName) return last.path
  if (date === null || date === undefined) {
    throw new TypeError(`vepfsKey: the record has no __REQ_TIME__ or req_time to name its date directory (model_name ${pyRepr(modelName)})`)
  }
  const path = joinPath(
    pathPart('baseName', baseName),
    pathPart('model_name', modelName),
    pathPart('__REQ_TIME__ or req_time', date),
    `worker_${pyStr(workerId)}`,
  )
  lastKey = { modelName, date, workerId, baseName, path }
  return path
}

let lastKey: { modelName: unknown; date: unknown; workerId: number | undefined; baseName: string; path: string } = {
  modelName: undefined,
  date: undefined,
  workerId: undefined,
  baseName: '',
  path: '',
}

function pathPart(name: string, value: unknown): string {
  if (typeof value === 'string') return value
  throw new TypeError(`vepfsKey: ${name} must be a string to join into a path, not ${pyRepr(value)}`)
}

/** posixpath.join. */
function joinPath(first: string, ...parts: string[]): string {
  let path = first
  for (const part of parts) {
    if (part.startsWith('/')) path = part
    else if (path === '' || path.endsWith('/')) path += part
    else path += '/' + part
  }
  return path
}
