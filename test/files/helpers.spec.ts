import { spawnSync } from 'node:child_process'
import { expect } from 'chai'
import { defaultLayout, defaultParse, vepfsKey, vepfsLayout } from '../../lib/files/helpers.js'
import { byteLayoutOf, type LineOut } from '../../lib/files/lineBytes.js'
import { JSONDecodeError, PyFloat, pyJsonLoads } from '../../lib/files/pyjson.js'
import { requireInfra } from '../support/infra.js'

// Monolith's helpers, verbatim, run by python3 on the same inputs (JSON text, read
// with json.loads; {"$bytes": [...]} stands for bytes).
const PYTHON = String.raw`
import json, os, sys

def default_parse_fn(obj):
  if obj is not None:
    if isinstance(obj, (str, bytes)):
      return json.loads(obj)
  return obj

def default_layout_fn(obj, indent=None) -> str:
  if isinstance(obj, str):
    return obj
  else:
    try:
      return json.dumps(obj, indent=indent)
    except:
      return repr(obj)

def vepfs_layout_fn(obj) -> str:
  req_time = obj.get('__REQ_TIME__') or obj.get('req_time')
  gid = obj.get('__FEED_ID__') or obj.get('feedid') or obj.get('gid') or 'gid'
  uid = obj.get('__UID__') or obj.get('userid') or obj.get('uid') or 'uid'
  predict_scores = json.dumps(obj['predict']) if 'predict' in obj else None
  labels = json.dumps(obj['label']) if 'label' in obj else None
  return f"{req_time};{gid};{uid};{predict_scores};{labels}"

def vepfs_key_fn(obj, worker_id: int, base_name: str) -> str:
  model_name = obj.get('model_name') or 'model_name'
  date = obj.get('__REQ_TIME__') or obj.get('req_time')
  return os.path.join(base_name, model_name, date, f'worker_{worker_id}')

def revive(d):
  return bytes(d['$bytes']) if '$bytes' in d else d

def run(kind, args):
  try:
    if kind == 'parse_layout':
      return {'out': default_layout_fn(default_parse_fn(args))}
    if kind == 'parse_layout_bytes':
      return {'out': default_layout_fn(default_parse_fn(bytes(args)))}
    if kind == 'layout':
      return {'out': default_layout_fn(json.loads(args, object_hook=revive))}
    if kind == 'layout_circular':
      obj = json.loads(args)
      obj['self'] = obj
      return {'out': default_layout_fn(obj)}
    if kind == 'vepfs_layout':
      return {'out': vepfs_layout_fn(json.loads(args, object_hook=revive))}
    if kind == 'vepfs_key':
      record, worker_id, base_name = args
      return {'out': vepfs_key_fn(json.loads(record), worker_id, base_name)}
  except Exception as e:
    return {'error': type(e).__name__, 'message': str(e)}

cases = json.loads(sys.stdin.buffer.read().decode('utf-8'))
sys.stdout.write(json.dumps([run(kind, args) for kind, args in cases]))
`

type PyResult = { out?: string; error?: string; message?: string }

function python(cases: [string, unknown][]): PyResult[] {
  const run = spawnSync('python3', ['-c', PYTHON], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 64 << 20 })
  if (run.error || run.status !== 0) throw new Error(`python3 failed: ${run.error?.message ?? run.stderr}`)
  return JSON.parse(run.stdout) as PyResult[]
}

const hasPython = () => spawnSync('python3', ['-c', 'import json'], { stdio: 'ignore' }).status === 0

/** pyJsonLoads, then {"$bytes": [...]} to a Uint8Array, as the Python script's object_hook does. */
function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive)
  if (value === null || typeof value !== 'object' || value instanceof PyFloat) return value
  const obj = value as Record<string, unknown>
  if (Object.hasOwn(obj, '$bytes')) return new Uint8Array(obj.$bytes as number[])
  for (const key of Object.keys(obj)) obj[key] = revive(obj[key])
  return obj
}
const load = (text: string) => revive(pyJsonLoads(text)) as Record<string, unknown>

/** Our output, or the error's name in Python's terms, to compare with the Python's. */
function outcome(fn: () => string): PyResult {
  try {
    return { out: fn() }
  } catch (err) {
    return { error: (err as Error).name }
  }
}

// default_layout_fn(default_parse_fn(text)): JSON text in, json.dumps out.
const PARSE_LAYOUT = [
  '{"predict": [0.1, 1.0, 1e-05], "uid": 12345678901234567890, "tag": "é中😀"}', '"just a string"', '"\\u00e9"', '[]', '{}',
  '[1, 2.0, -0.0, NaN, -Infinity, true, null]', '{"b": 1, "1": [2, {"0": 3}]}', '1e16', '123', '"it\'s \\"q\\""', ' [1] ',
]

// default_layout_fn(value) on values json.dumps cannot write: repr instead.
const LAYOUT = [
  '{"$bytes": [104, 105, 0, 255, 39]}', '{"a": {"$bytes": []}, "b": [1.5, null, true, "it\'s"]}',
  '[{"$bytes": [34]}, {"k": "\\u00e9\\ud83d\\ude00\\u0007"}]', '{"x": 1, "y": {"$bytes": [92]}}',
]

const RECORDS = [
  // __REQ_TIME__ before req_time, falsy values falling through
  '{"__REQ_TIME__": "2024-01-01", "req_time": "ignored", "uid": 7}', '{"req_time": "20240101"}',
  '{"__REQ_TIME__": 0, "req_time": "20240101"}', '{"__REQ_TIME__": "", "req_time": 0}', '{"__REQ_TIME__": 0}',
  '{"req_time": ""}', '{"__REQ_TIME__": null, "req_time": 1700000000}', '{"req_time": 1700000000.5}', '{"req_time": 1.0}',
  '{"req_time": NaN}', '{"req_time": 0.0}', '{"req_time": []}', '{"req_time": [0]}', '{"req_time": {}}', '{"req_time": true}',
  // gid: __FEED_ID__, feedid, gid, then the text 'gid'
  '{"__FEED_ID__": "f", "feedid": "x", "gid": "y"}', '{"feedid": 12, "gid": "y"}', '{"gid": "g"}', '{}',
  '{"__FEED_ID__": "", "feedid": 0, "gid": []}', '{"__FEED_ID__": false, "feedid": null, "gid": {}}', '{"gid": 0.0}',
  '{"gid": {"x": "y", "2": [1, "a"]}}', '{"gid": "it\'s \\"x\\""}', '{"gid": "\\u00e9\\n\\t"}', '{"feedid": [1.5, "a", null]}',
  // uid: __UID__, userid, uid, then the text 'uid'
  '{"__UID__": "u1", "userid": 2, "uid": 3}', '{"__UID__": 0, "userid": 0, "uid": 12345678901234567890}',
  '{"userid": -12345678901234567890}', '{"uid": 0}', '{"uid": false}', '{"uid": true}', '{"uid": 1e16}', '{"uid": 1e-7}',
  // predict and label present or absent, any JSON
  '{"predict": [0.1, 0.9], "label": [1, 0]}', '{"predict": null, "label": null}', '{"predict": []}', '{"label": {}}',
  '{"predict": {"ctr": 0.25, "1": 1.0}, "label": ["é", "中", "😀"]}', '{"predict": [NaN, Infinity, -0.0, 1e400]}',
  '{"label": "x"}', '{"predict": 0, "label": ""}', '{"predict": {"b": [1, {"10": 2, "9": 3}]}}',
  // bytes: repr in a field, and json.dumps refusing them in predict (the Python raises)
  '{"gid": {"$bytes": [104, 39]}}', '{"predict": {"$bytes": [1]}}', '{"label": [{"$bytes": []}]}',
  // what the byte form writes itself, and what it leaves to the text: long and non-ASCII ids, ints past
  // int32 and 2**53, floats at and past 1e-4 and 1e5, lists past 8 items, lists in lists
  '{"req_time": "20240101", "gid": 1000037, "uid": 7000000481, "predict": [0.037, 0.25], "label": [1, 0]}',
  '{"req_time": "2024-01-01 10:00:00.12345678901234", "gid": -5, "uid": 9007199254740991, "label": [-1, 2147483648, -2147483649]}',
  '{"predict": [-0.5, 99999.99, 0.00011, 1e-4, -1e-4, 12345.678901234, 0.7310585975646973, -0.30000000000000004], "label": 0.1}',
  '{"req_time": "\u00e9", "gid": "abcdefghijklmnopqrstuvwxyz012345", "uid": "abcdefghijklmnopqrstuvwxyz0123456"}',
  '{"predict": [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], "label": [[0.5, [1]], 1.5, "x"]}',
  '{"uid": 123456789012345678, "predict": [1e16, 1e22, 123456.5, -0.0, 100000.0, 1e5], "label": 7}',
  // all together
  '{"__REQ_TIME__": "2024-06-01 10:00:00", "__FEED_ID__": 987654321, "__UID__": "u", "predict": [0.5], "label": [1], "model_name": "m"}',
]

const KEYS: [string, number | undefined, string][] = [
  ['{"model_name": "ctr", "req_time": "20240101"}', 3, '/data/deep_insight'],
  ['{"model_name": "ctr", "__REQ_TIME__": "20240102", "req_time": "x"}', 0, 'runs'],
  ['{"req_time": "20240101"}', 1, 'runs'],
  ['{"model_name": "", "req_time": "20240101"}', 1, 'runs'],
  ['{"model_name": 0, "req_time": "20240101"}', 1, 'runs'],
  ['{"model_name": null, "req_time": "20240101"}', 1, 'runs'],
  ['{"model_name": "/abs/model", "req_time": "20240101"}', 2, 'runs'],
  ['{"model_name": "m", "req_time": "/abs/date"}', 2, 'runs'],
  ['{"model_name": "m/", "req_time": "d"}', 2, 'runs'],
  ['{"model_name": "m", "req_time": "d"}', 2, 'runs/'],
  ['{"model_name": "m", "req_time": "d"}', 2, ''],
  ['{"model_name": "m", "req_time": "d"}', 2, '/'],
  ['{"model_name": "m", "req_time": ""}', 2, 'runs'],
  ['{"model_name": "m", "__REQ_TIME__": "", "req_time": ""}', 2, 'runs'],
  ['{"model_name": "m", "req_time": "d"}', undefined, 'runs'],
  ['{"model_name": "../up", "req_time": "../../x"}', 4, 'runs'],
  ['{"model_name": "é中", "req_time": "😀"}', 4, 'runs'],
  // the Python raises TypeError: no date, or one that is not a string
  ['{"model_name": "m"}', 1, 'runs'],
  ['{"model_name": "m", "__REQ_TIME__": 0, "req_time": null}', 1, 'runs'],
  ['{"model_name": "m", "req_time": 20240101}', 1, 'runs'],
  ['{"model_name": "m", "req_time": 1.0}', 1, 'runs'],
  ['{"model_name": 5, "req_time": "d"}', 1, 'runs'],
  ['{"model_name": ["m"], "req_time": "d"}', 1, 'runs'],
]

const BYTES = [[...Buffer.from('{"a": [1.0, "\u00e9"]}')], [0xef, 0xbb, 0xbf, ...Buffer.from('[1]')], [...Buffer.from('"s"')]]

describe('helpers against python3 (Monolith’s FileMetricHook helpers)', () => {
  const cases: [string, unknown][] = [
    ...PARSE_LAYOUT.map((t): [string, unknown] => ['parse_layout', t]),
    ...BYTES.map((b): [string, unknown] => ['parse_layout_bytes', b]),
    ...LAYOUT.map((t): [string, unknown] => ['layout', t]),
    ['layout_circular', '{"a": [1, 2.5]}'],
    ...RECORDS.map((t): [string, unknown] => ['vepfs_layout', t]),
    ...KEYS.map(([record, workerId, base]): [string, unknown] => ['vepfs_key', [record, workerId ?? null, base]]),
  ]
  let results: PyResult[]
  const py = (kind: string, args: unknown) => results[cases.findIndex(([k, a]) => k === kind && JSON.stringify(a) === JSON.stringify(args))]

  before(function () {
    requireInfra(this, hasPython(), 'python3 is not on PATH')
    results = python(cases)
  })

  function mismatches<T>(kind: string, inputs: T[], args: (input: T) => unknown, ours: (input: T) => PyResult) {
    return inputs.flatMap((input) => {
      const theirs = py(kind, args(input))
      const mine = ours(input)
      const same = theirs.error ? mine.error === theirs.error : mine.out === theirs.out
      return same ? [] : [{ input, ours: mine, python: theirs }]
    })
  }

  it('defaultLayout(defaultParse(text)) writes what default_layout_fn(default_parse_fn(text)) writes, for text and bytes', () => {
    expect(mismatches('parse_layout', PARSE_LAYOUT, (t) => t, (t) => outcome(() => defaultLayout(defaultParse(t))))).to.deep.equal([])
    const ours = (b: number[]) => outcome(() => defaultLayout(defaultParse(new Uint8Array(b))))
    expect(mismatches('parse_layout_bytes', BYTES, (b) => b, ours)).to.deep.equal([])
  })

  it("defaultLayout's byte form (what fileSink writes) is the UTF-8 of what default_layout_fn writes, repr fallbacks included", () => {
    const wrong = [...PARSE_LAYOUT.map((t) => ['parse_layout', t, defaultParse(t)]), ...LAYOUT.map((t) => ['layout', t, load(t)])].flatMap(([kind, text, value]) => {
      const theirs = py(kind as string, text)
      const same = !theirs.error && byteForm(value, defaultLayout).equals(Buffer.from(theirs.out!))
      return same ? [] : [{ text, ours: byteForm(value, defaultLayout).toString(), python: theirs }]
    })
    expect(wrong).to.deep.equal([])
    const circular = load('{"a": [1, 2.5]}')
    circular.self = circular
    expect(byteForm(circular, defaultLayout).toString()).to.equal(py('layout_circular', '{"a": [1, 2.5]}').out)
  })

  it("defaultLayout falls back to repr where json.dumps raises: bytes, a circular reference", () => {
    expect(mismatches('layout', LAYOUT, (t) => t, (t) => outcome(() => defaultLayout(load(t))))).to.deep.equal([])
    const circular = load('{"a": [1, 2.5]}')
    circular.self = circular
    expect(outcome(() => defaultLayout(circular))).to.deep.equal(py('layout_circular', '{"a": [1, 2.5]}'))
  })

  it(`vepfsLayout writes what vepfs_layout_fn writes, for ${RECORDS.length} records covering each fallback`, () => {
    expect(RECORDS.filter((t) => py('vepfs_layout', t).error).length).to.equal(2) // bytes in predict and label
    expect(mismatches('vepfs_layout', RECORDS, (t) => t, (t) => outcome(() => vepfsLayout(load(t))))).to.deep.equal([])
  })

  it(`vepfsLayout's byte form (what fileSink writes) is the UTF-8 of what vepfs_layout_fn writes, for the same records`, () => {
    const wrong = RECORDS.flatMap((text) => {
      const theirs = py('vepfs_layout', text)
      let mine: Buffer | string
      try {
        mine = byteForm(load(text))
      } catch (err) {
        mine = (err as Error).name
      }
      const same = theirs.error ? mine === theirs.error : Buffer.isBuffer(mine) && mine.equals(Buffer.from(theirs.out!))
      return same ? [] : [{ text, ours: String(mine), python: theirs }]
    })
    expect(wrong).to.deep.equal([])
  })

  it(`vepfsKey gives the directory vepfs_key_fn gives, and throws TypeError where it raises one`, () => {
    expect(KEYS.filter(([record, workerId, base]) => py('vepfs_key', [record, workerId ?? null, base]).error === 'TypeError').length).to.equal(6)
    const ours = ([record, workerId, base]: [string, number | undefined, string]) => outcome(() => vepfsKey(load(record), workerId, base))
    expect(mismatches('vepfs_key', KEYS, ([record, workerId, base]) => [record, workerId ?? null, base], ours)).to.deep.equal([])
  })
})

describe('defaultParse', () => {
  it('reads strings and bytes as JSON and returns anything else as is', () => {
    const obj = { a: 1 }
    expect(defaultParse(obj)).to.equal(obj)
    expect(defaultParse(null)).to.equal(null)
    expect(defaultParse(undefined)).to.equal(undefined)
    expect(defaultParse(5)).to.equal(5)
    expect(defaultParse('{"a": [1, 2]}')).to.deep.equal({ a: [1, 2] })
    expect(defaultParse(Buffer.from('[12345678901234567890]'))).to.deep.equal([12345678901234567890n])
  })

  it('throws JSONDecodeError on a string that is not JSON', () => {
    expect(() => defaultParse('{"a": }')).to.throw(JSONDecodeError, 'Expecting value: line 1 column 7 (char 6)')
    expect(() => defaultParse('')).to.throw(JSONDecodeError, 'Expecting value: line 1 column 1 (char 0)')
  })
})

describe('defaultLayout', () => {
  it('has a byte form writing the UTF-8 of its line, for 5000 values of every kind', () => {
    let seed = 777
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!
    const leaf = (): unknown =>
      pick<() => unknown>([
        () => Math.floor(random() * 2 ** 40) - 2 ** 39,
        () => Math.round(random() * 1e6) / 10 ** Math.floor(random() * 8),
        () => Math.fround(random()),
        () => pick([1e-4, 1e5, 1e16, 1e-7, -0, NaN, Infinity, -Infinity, 2 ** 53 + 2]),
        () => pick(['', 'plain', 'say "hi"', 'back\\slash', 'tab\t', 'é', '中😀', '\ud800', '\u007f', 'x'.repeat(100)]),
        () => pick([true, false, null, undefined]),
        () => pick<unknown>([12345678901234567890n, new PyFloat(1), new PyFloat(-2.5), Object(3), Object('boxed')]),
      ])()
    const value = (depth: number): unknown => {
      const roll = random()
      if (depth > 3 || roll < 0.4) return leaf()
      if (roll < 0.7) return Array.from({ length: Math.floor(random() * 5) }, () => value(depth + 1))
      const obj: Record<string, unknown> = {}
      for (let i = Math.floor(random() * 5); i > 0; i--) {
        // defineProperty: a '__proto__' key as data, as pyJsonLoads makes it
        const key = pick(['a', 'b', '1', '0', 'key "q"', 'é', '__proto__', `k${i}`])
        Object.defineProperty(obj, key, { value: value(depth + 1), writable: true, enumerable: true, configurable: true })
      }
      return obj
    }
    const mismatches: unknown[] = []
    for (let i = 0; i < 5000; i++) {
      const v = random() < 0.02 ? pick<unknown>([new Uint8Array([1, 39]), new Map([['a', 1]]), new Date(0), () => 1, [{ x: new Uint8Array(0) }]]) : value(0)
      const expected = Buffer.from(defaultLayout(v))
      const bytes = byteForm(v, defaultLayout)
      if (!bytes.equals(expected)) mismatches.push({ expected: expected.toString(), got: bytes.toString() })
    }
    expect(mismatches.slice(0, 5)).to.deep.equal([])
    const deep: unknown[] = []
    let inner = deep
    for (let i = 0; i < 100; i++) inner.push((inner = []))
    expect(byteForm(deep, defaultLayout).toString()).to.equal(defaultLayout(deep))
  })

  it('returns a string as is and writes other values as json.dumps does', () => {
    expect(defaultLayout('{"already": "text"}')).to.equal('{"already": "text"}')
    expect(defaultLayout({ loss: 0.5, step: 3, tag: 'é', ok: true, none: null })).to.equal('{"loss": 0.5, "step": 3, "tag": "\\u00e9", "ok": true, "none": null}')
    expect(defaultLayout([new PyFloat(1), 1])).to.equal('[1.0, 1]')
  })

  it('falls back to repr for values json.dumps refuses', () => {
    expect(defaultLayout(new Uint8Array([104, 105]))).to.equal("b'hi'")
    expect(defaultLayout({ when: new Date(0), n: 1 })).to.equal("{'when': <Date 1970-01-01T00:00:00.000Z>, 'n': 1}")
    expect(defaultLayout(new Map([['a', 1]]))).to.equal("<Map {'a': 1}>")
    expect(defaultLayout([() => 1])).to.equal('[<function <anonymous>>]')
  })
})

/** A layout's byte form, as fileSink calls it, into a buffer that starts at 4 bytes and grows as asked. */
function byteForm(obj: unknown, layout: (obj: any) => string = vepfsLayout): Buffer {
  const out: LineOut = {
    buf: new Uint8Array(4),
    pos: 0,
    lineStart: 0,
    reserve(n) {
      if (this.pos + n <= this.buf.length) return
      const grown = new Uint8Array(this.pos + n)
      grown.set(this.buf.subarray(0, this.pos))
      this.buf = grown
    },
  }
  const text = byteLayoutOf(layout)!(obj, out)
  if (typeof text === 'string') {
    expect(out.pos).to.equal(0) // a line given back as text has nothing written
    return Buffer.from(text)
  }
  return Buffer.from(out.buf.subarray(0, out.pos))
}

describe('vepfsLayout', () => {
  it('has a byte form writing the UTF-8 of its line, for 20000 records of every kind of field', () => {
    let seed = 12345
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!
    const view = new DataView(new ArrayBuffer(8))
    const number = (): number =>
      pick([
        () => Math.floor(random() * 10),
        () => Math.floor(random() * 2 ** 31) * pick([1, -1]),
        () => Math.floor(random() * 2 ** 53) * pick([1, -1]),
        () => Math.round(random() * 10 ** Math.floor(random() * 10)) / 10 ** Math.floor(random() * 10), // short decimals
        () => Math.fround(random()), // a model's float32 scores
        () => (random() - 0.5) * 10 ** Math.floor(random() * 12 - 6),
        () => pick([1e-4, -1e-4, 1.00000001e-4, 99999.99999999999, 1e5, 1e16, 2 ** 53, 2 ** 53 + 2, -0, NaN, Infinity, -Infinity, 0.1 + 0.2]),
        () => (view.setUint32(0, Math.floor(random() * 2 ** 32)), view.setUint32(4, Math.floor(random() * 2 ** 32)), view.getFloat64(0)), // any bit pattern
      ])()
    const text = () => pick(['20240101', '', 'é', '中😀', 'x'.repeat(32), 'y'.repeat(33), 'it\'s', '\u0000\n'])
    const field = (): unknown =>
      pick([number, text, () => Array.from({ length: Math.floor(random() * 11) }, number), () => [[number()], text()], () => null, () => true, () => undefined])()
    const mismatches: unknown[] = []
    for (let i = 0; i < 20000; i++) {
      const record: Record<string, unknown> = {}
      for (const key of ['__REQ_TIME__', 'req_time', '__FEED_ID__', 'feedid', 'gid', '__UID__', 'userid', 'uid', 'predict', 'label']) {
        if (random() < 0.6) record[key] = field()
      }
      const expected = Buffer.from(vepfsLayout(record))
      const bytes = byteForm(record)
      if (!bytes.equals(expected)) mismatches.push({ record, expected: expected.toString(), got: bytes.toString() })
    }
    expect(mismatches.slice(0, 5)).to.deep.equal([])
  })

  it("has a byte form that throws where it throws, and writes a non-plain object's line as it does", () => {
    expect(() => byteForm({ predict: [0.5, new Uint8Array(1)] })).to.throw(TypeError, 'Object of type bytes is not JSON serializable')
    const record = Object.assign(Object.create({ uid: 'inherited' }), { gid: 7, predict: [0.5] }) as Record<string, unknown>
    expect(byteForm(record).toString()).to.equal(vepfsLayout(record)).and.equal('None;7;uid;[0.5];None')
  })

  it('writes None, gid and uid for a record with none of the keys', () => {
    expect(vepfsLayout({})).to.equal('None;gid;uid;None;None')
  })

  it('writes undefined as None, and predict: undefined as null (the key is there)', () => {
    expect(vepfsLayout({ req_time: undefined, predict: undefined })).to.equal('None;gid;uid;null;None')
  })

  it("reads own keys only, not the prototype's", () => {
    const record = Object.create({ req_time: 'inherited', predict: [1] }) as Record<string, unknown>
    expect(vepfsLayout(record)).to.equal('None;gid;uid;None;None')
  })

  it('throws when predict cannot be written as JSON, as the Python raises', () => {
    expect(() => vepfsLayout({ predict: new Uint8Array(1) })).to.throw(TypeError, 'Object of type bytes is not JSON serializable')
  })
})

describe('vepfsKey', () => {
  it("joins as os.path.join: the base, model_name, the date and worker_<id>", () => {
    expect(vepfsKey({ model_name: 'ctr', req_time: '20240101' }, 3, 'runs')).to.equal('runs/ctr/20240101/worker_3')
    expect(vepfsKey({ req_time: 'd' }, 0, 'runs')).to.equal('runs/model_name/d/worker_0')
    expect(vepfsKey({ model_name: '/abs', req_time: 'd' }, 1, 'runs')).to.equal('/abs/d/worker_1')
    expect(vepfsKey({ model_name: 'm', req_time: '' }, 1, 'runs')).to.equal('runs/m/worker_1')
    expect(vepfsKey({ model_name: 'm', req_time: 'd' }, undefined, '')).to.equal('m/d/worker_None')
  })

  it('does not sanitise: .. and absolute parts pass through', () => {
    expect(vepfsKey({ model_name: '../../etc', req_time: '/tmp/x' }, 1, 'runs')).to.equal('/tmp/x/worker_1')
    expect(vepfsKey({ model_name: '../../etc', req_time: 'x' }, 1, 'runs')).to.equal('runs/../../etc/x/worker_1')
  })

  it('throws a TypeError naming req_time when the record has no date', () => {
    expect(() => vepfsKey({ model_name: 'm' }, 1, 'runs')).to.throw(TypeError, 'no __REQ_TIME__ or req_time')
    expect(() => vepfsKey({ __REQ_TIME__: '', req_time: null }, 1, 'runs')).to.throw(TypeError, 'no __REQ_TIME__ or req_time')
  })

  it('throws a TypeError naming the part that is not a string', () => {
    expect(() => vepfsKey({ model_name: 5, req_time: 'd' }, 1, 'runs')).to.throw(TypeError, 'model_name must be a string to join into a path, not 5')
    expect(() => vepfsKey({ req_time: 20240101 }, 1, 'runs')).to.throw(TypeError, '__REQ_TIME__ or req_time must be a string to join into a path, not 20240101')
    expect(() => vepfsKey({ req_time: 'd' }, 1, 7 as unknown as string)).to.throw(TypeError, 'baseName must be a string')
  })
})
