import { spawnSync } from 'node:child_process'
import { expect } from 'chai'
import { JSONDecodeError, PyFloat, pyBool, pyJsonDumps, pyJsonLoads, pyRepr, pyStr, shortDecimalPlaces } from '../../lib/files/pyjson.js'
import { requireInfra } from '../support/infra.js'

// The reference is the real thing: python3 reads the same inputs (JSON text, so its
// json.loads is also the reference for pyJsonLoads) and prints what it writes.
const PYTHON = String.raw`
import json, sys, unicodedata

def run(kind, arg):
    try:
        if kind == 'loads':
            obj = json.loads(arg)
            return {'dumps': json.dumps(obj), 'repr': repr(obj), 'str': str(obj)}
        if kind == 'loads_bytes':
            obj = json.loads(bytes(arg))
            return {'dumps': json.dumps(obj), 'repr': repr(obj), 'str': str(obj)}
        if kind == 'float':
            x = float(arg)
            return {'dumps': json.dumps(x), 'repr': repr(x), 'str': str(x)}
        if kind == 'js_number':  # an integral JS number is an int
            x = float(arg)
            v = int(x) if x.is_integer() else x
            return {'dumps': json.dumps(v), 'repr': repr(v), 'str': str(v)}
        if kind == 'bytes':
            return {'repr': repr(bytes(arg)), 'str': str(bytes(arg))}
        if kind == 'bool':
            return {'bool': bool(json.loads(arg))}
        if kind == 'printable':  # runs of code points: printable ones, unassigned ones
            return {'printable': runs(lambda c: chr(c).isprintable()),
                    'unassigned': runs(lambda c: unicodedata.category(chr(c)) == 'Cn'),
                    'unicode': unicodedata.unidata_version}
    except Exception as e:
        return {'error': type(e).__name__, 'message': str(e)}

def runs(test):
    out, start = [], None
    for c in range(0x110001):
        inside = c <= 0x10ffff and test(c)
        if inside and start is None: start = c
        if not inside and start is not None:
            out.append([start, c]); start = None
    return out

cases = json.loads(sys.stdin.buffer.read().decode('utf-8'))
sys.stdout.write(json.dumps([run(kind, arg) for kind, arg in cases]))
`

type PyResult = { dumps?: string; repr?: string; str?: string; bool?: boolean; error?: string; message?: string } & Record<string, unknown>

/** Runs the cases through python3 in one process; undefined when there is no python3. */
function python(cases: [string, unknown][]): PyResult[] {
  const run = spawnSync('python3', ['-c', PYTHON], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 256 << 20 })
  if (run.error || run.status !== 0) throw new Error(`python3 failed: ${run.error?.message ?? run.stderr}`)
  return JSON.parse(run.stdout) as PyResult[]
}

const hasPython = () => spawnSync('python3', ['-c', 'import json'], { stdio: 'ignore' }).status === 0

/** mulberry32: the same pseudo-random inputs on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// JSON texts Python reads; each must give the same dumps, repr and str here.
const VALUES = [
  // ints and floats of all kinds
  '0', '-0', '1', '-1', '42', '9007199254740991', '-9007199254740991', '9007199254740992', '9007199254740993',
  '-12345678901234567890', '123456789012345678901234567890', '1' + '0'.repeat(400),
  '0.1', '1.0', '-0.0', '0.0', '1e-05', '1e-7', '1E-7', '0.0001', '0.00001', '123456789.123', '1e16', '1e15',
  '9999999999999998.0', '1.5e+300', '1.5E300', '5e-324', '1.7976931348623157e308', '2.5e-5', '1e400', '-1e400',
  '1e22', '1e21', '100.0', '3.14159', '-2.5', '0.30000000000000004', '1.1e1', '12e-1', '0e0', '-0e0', '1E+2',
  'NaN', 'Infinity', '-Infinity', '[NaN, Infinity, -Infinity, -0.0, 0]',
  // literals
  'true', 'false', 'null',
  // strings
  '""', '"plain"', `"it's"`, '"say \\"hi\\""', `"both ' and \\""`, '"back\\\\slash"', '"\\/"',
  '"\\b\\f\\n\\r\\t"', '"\\u0000\\u0001\\u001f\\u007f\\u0080\\u009f\\u00a0"', '"é"', '"\\u00e9"', '"中文"',
  '"😀"', '"\\ud83d\\ude00"', '"\\ud800"', '"\\udc00x"', '"\\ud83dx"', '"\\ud83d\\u0041"', '"\\ud800\\ud800\\udc00"',
  '"\\u00ad\\u200b\\u200e\\u2028\\u2029\\u3000\\ufeff\\ue000\\uffff"', '"\\udbff\\udfff"', '"\\udb40\\udc01"',
  '"e\\u0301"', '"tab\\there"', '"\\u0027\\u0022"', '"ÿĀ"',
  // containers
  '[]', '{}', '[[]]', '[{}]', '{"a": {}}', '[1, 2]', '[1,2,[3,[4,[5]]]]', '{"a": 1, "b": [2]}',
  '{"b": 1, "a": 2}', '{"b": 1, "1": 2, "0": 3}', '{"a": {"10": 1, "9": 2, "x": [{"2": 0, "1": 1}]}}',
  '{"a": 1, "a": 2}', '{"1": 1, "b": 2, "1": 3}', '{"__proto__": {"x": 1}}', '{"é": "中", "😀": ["\\n"]}',
  '{"it\'s": "\\"q\\""}', '{"": ""}',
  '{"predict": [0.1, 0.25, 1.0], "label": [1, 0], "uid": 12345678901234567890}',
  // whitespace
  ' \t\n\r[ 1 ,\n 2 ] \r\n\t ', '{ "a" : 1 }',
]

// Texts Python refuses; the same message here (its wording is stable across
// Python 3 versions; trailing commas are not, see the unit tests).
const BAD = [
  '', ' ', '-', '-a', '01', '1.', '1e', '1e+', '1.e5', '.5', '+1', 'nul', 'True', 'nan', 'inf', 'é', '"é" x', '"😀" x',
  '[1]\n  x', 'NaN1', '[-]', '[1 2]', '{', '[', '{"a"', '{"a":', '{"a" 1}', '{1: 2}', "{'a': 1}", '{"a": 1 "b": 2}',
  '"abc', '"a\u0001"', '"a\nb"', '"\\x"', '"\\u12"', '"\\u123', '"\\u1234', '"\\uzzzz"', '"\\ud800\\uzzzz"',
  '"\\ud800\\u12"', '"\\ud800\\"', '"😀\\q"', '\ufeff1', '[1] [2]', '{"a": [1, {"b": }]}', '\n\n  [1,\n   x]',
]

// Integral JS numbers are Python ints; the rest floats.
const JS_NUMBERS = [
  0, -0, 1, -1, 1e21, 1e300, -1e300, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 0.1, -1.5, 1e-7, 123456789.123, 1e16 + 0.5,
  Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE, NaN, Infinity, -Infinity, 4.35, 0.000123,
]

const numberText = (n: number) => (Object.is(n, -0) ? '-0' : String(n))

const BYTES = [
  [], [0], [39], [34], [39, 34], [97, 39, 98], [92], [9, 10, 13, 11, 12, 0, 31, 32, 126, 127, 128, 255],
  Array.from({ length: 256 }, (_, i) => i), [...Buffer.from("it's")], [...Buffer.from('中文')],
]

function utf16(text: string, little: boolean, bom: boolean): number[] {
  const out: number[] = bom ? (little ? [0xff, 0xfe] : [0xfe, 0xff]) : []
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    out.push(...(little ? [unit & 0xff, unit >> 8] : [unit >> 8, unit & 0xff]))
  }
  return out
}

function utf32(text: string, little: boolean, bom: boolean): number[] {
  const out: number[] = []
  for (const cp of [...(bom ? [0xfeff] : []), ...Array.from(text, (ch) => ch.codePointAt(0)!)]) {
    const be = [cp >>> 24, (cp >> 16) & 0xff, (cp >> 8) & 0xff, cp & 0xff]
    out.push(...(little ? be.reverse() : be))
  }
  return out
}

const DOC = '{"é": ["中", "😀", 1.0, 12345678901234567890]}'
const JSON_BYTES: number[][] = [
  [...Buffer.from(DOC)], [0xef, 0xbb, 0xbf, ...Buffer.from(DOC)], [...Buffer.from(' 1 ')], [...Buffer.from('1')], [...Buffer.from('12')],
  utf16(DOC, true, false), utf16(DOC, false, false), utf16(DOC, true, true), utf16(DOC, false, true), utf16('1', true, false), utf16('1', false, false),
  utf32(DOC, true, false), utf32(DOC, false, false), utf32(DOC, true, true), utf32(DOC, false, true),
  [0x22, 0xed, 0xa0, 0x80, 0x22], // an encoded lone surrogate: 'surrogatepass'
  utf16('"\ud800"', true, false),
  // refused
  [0xff], [0x22, 0xff, 0x22], [0xe4, 0xb8, 0x78], [0xe4, 0x78], [0xe4], [0x22, 0xe4, 0xb8], [0xc0, 0x80], [0xed, 0xa0],
  [0xf4, 0x90, 0x80, 0x80], [0x31, 0, 0x32], [...Buffer.from('\ufeff1')], [...Buffer.from('[1,')],
  [0xef, 0xbb, 0xbf, 0x22, 0xff], [0xff, 0xfe, 0x31, 0x00, 0x32], [0xfe, 0xff, 0, 0x31, 0, 0x32, 0], [0xff, 0xfe, 0, 0, 0x31, 0, 0, 0, 0, 0, 0x11],
  [0, 0, 0, 0x31, 0, 0x11, 0, 0], utf16('"é"', true, false).slice(0, -1),
]

const BOOLS = ['0', '-0', '0.0', '-0.0', 'NaN', '1', '0.5', '12345678901234567890', '""', '" "', '"0"', '[]', '[0]', '{}', '{"a": 0}', 'null', 'true', 'false']

function randomDoubles(): string[] {
  const next = random(7)
  const view = new DataView(new ArrayBuffer(8))
  const out: string[] = []
  for (let i = 0; i < 3000; i++) {
    view.setUint32(0, (next() * 2 ** 32) >>> 0)
    view.setUint32(4, (next() * 2 ** 32) >>> 0)
    out.push(String(view.getFloat64(0)))
  }
  // decimal-looking values around every exponent Python switches formats at
  for (let exp = -330; exp <= 310; exp++) {
    const digits = Math.floor(next() * 10 ** (1 + Math.floor(next() * 17)))
    out.push(`${digits}e${exp}`, `${Math.floor(next() * 10)}e${exp}`, `${(next() * 10).toFixed(3)}e${exp}`)
  }
  // short decimals (scores, rates, rounded values) of every length up to 11 digits
  // either side of the point, and float32 values seen as doubles (a sigmoid's output)
  for (let i = 0; i < 3000; i++) {
    const whole = Math.floor(next() * 10 ** Math.floor(next() * 11))
    const fraction = Math.floor(next() * 10 ** (1 + Math.floor(next() * 11)))
    out.push(`${next() < 0.2 ? '-' : ''}${whole}.${fraction}`, String(Math.fround(next())))
  }
  return out
}

// Code points from blocks whose characters are the same in every Unicode version
// Python 3 and Node have used, so printability cannot differ by version.
const POOLS: [number, number][] = [
  [0x20, 0x7e], [0x00, 0x1f], [0x7f, 0xff], [0x100, 0x17f], [0x300, 0x36f], [0x391, 0x3a1], [0x410, 0x44f],
  [0x2000, 0x200f], [0x2028, 0x202f], [0x3000, 0x3000], [0x4e00, 0x9fa5], [0xd800, 0xdfff], [0xe000, 0xf8ff],
  [0xfeff, 0xfeff], [0xfffe, 0xffff], [0x1f600, 0x1f64f], [0xe0001, 0xe0001], [0xf0000, 0xf00ff], [0x10fffe, 0x10ffff],
]

function randomStrings(): string[] {
  const next = random(11)
  const out: string[] = []
  for (let i = 0; i < 400; i++) {
    let s = ''
    const length = Math.floor(next() * 12)
    for (let k = 0; k < length; k++) {
      const [lo, hi] = POOLS[Math.floor(next() * POOLS.length)]
      s += String.fromCodePoint(lo + Math.floor(next() * (hi - lo + 1)))
    }
    out.push(s)
  }
  return out
}

/** Runs of code points for which the test holds, as [start, end) pairs, as the Python script writes them. */
function runs(test: (cp: number) => boolean): [number, number][] {
  const out: [number, number][] = []
  let start: number | undefined
  for (let cp = 0; cp <= 0x110000; cp++) {
    const inside = cp <= 0x10ffff && test(cp)
    if (inside && start === undefined) start = cp
    if (!inside && start !== undefined) {
      out.push([start, cp])
      start = undefined
    }
  }
  return out
}

const inRuns = (list: [number, number][]) => {
  const set = new Set<number>()
  for (const [a, b] of list) for (let cp = a; cp < b; cp++) set.add(cp)
  return set
}

const attempt = (fn: () => string) => {
  try {
    return fn()
  } catch (err) {
    return `throws ${(err as Error).message}`
  }
}

describe('pyjson against python3', () => {
  const strings = randomStrings()
  const doubles = randomDoubles()
  const cases: [string, unknown][] = [
    ...VALUES.map((t): [string, unknown] => ['loads', t]),
    ...BAD.map((t): [string, unknown] => ['loads', t]),
    ...strings.map((s): [string, unknown] => ['loads', JSON.stringify(s)]),
    ...doubles.map((d): [string, unknown] => ['float', d]),
    ...JS_NUMBERS.map((n): [string, unknown] => ['js_number', numberText(n)]),
    ...BYTES.map((b): [string, unknown] => ['bytes', b]),
    ...JSON_BYTES.map((b): [string, unknown] => ['loads_bytes', b]),
    ...BOOLS.map((t): [string, unknown] => ['bool', t]),
    ['printable', null],
  ]
  let results: PyResult[]
  let byCase: Map<string, PyResult>

  before(function () {
    requireInfra(this, hasPython(), 'python3 is not on PATH')
    results = python(cases)
    byCase = new Map(cases.map(([kind, arg], i) => [`${kind} ${JSON.stringify(arg)}`, results[i]]))
  })

  const py = (kind: string, arg: unknown) => byCase.get(`${kind} ${JSON.stringify(arg)}`)!

  /** The cases where we differ from Python, with both outputs. */
  function mismatches(kind: string, args: unknown[], ours: (arg: any) => Record<string, unknown>) {
    return args.flatMap((arg) => {
      const theirs = py(kind, arg)
      const mine = ours(arg)
      const same = Object.keys(mine).every((key) => mine[key] === theirs[key])
      return same ? [] : [{ input: arg, ours: mine, python: theirs }]
    })
  }

  it('reads numbers, literals, strings and containers as json.loads does: same json.dumps, repr and str', () => {
    expect(VALUES.filter((t) => py('loads', t).error)).to.deep.equal([]) // every value is valid JSON to Python
    const ours = (text: string) => {
      const value = pyJsonLoads(text)
      return { dumps: pyJsonDumps(value), repr: pyRepr(value), str: pyStr(value) }
    }
    expect(mismatches('loads', VALUES, ours)).to.deep.equal([])
  })

  it('refuses what json.loads refuses, with its message and position', () => {
    expect(BAD.filter((t) => !py('loads', t).error)).to.deep.equal([]) // every one is refused by Python
    const ours = (text: string) => {
      try {
        pyJsonLoads(text)
        return { message: 'no error' }
      } catch (err) {
        return { message: (err as Error).message, error: (err as Error).name }
      }
    }
    expect(mismatches('loads', BAD, ours)).to.deep.equal([])
  })

  it('writes 400 pseudo-random strings (quotes, controls, Latin-1, CJK, emoji, surrogates) as Python does', () => {
    const ours = (text: string) => {
      const value = pyJsonLoads(text)
      return { dumps: pyJsonDumps(value), repr: pyRepr(value), str: pyStr(value) }
    }
    expect(mismatches('loads', strings.map((s) => JSON.stringify(s)), ours)).to.deep.equal([])
  })

  it(`writes ${doubles.length} floats (random bit patterns and every exponent) as float.__repr__ does`, () => {
    const ours = (text: string) => {
      const x = new PyFloat(Number(text))
      return { dumps: pyJsonDumps(x), repr: pyRepr(x), str: pyStr(x) }
    }
    expect(mismatches('float', doubles, ours)).to.deep.equal([])
  })

  it('writes integral JS numbers as Python ints, with every digit, and the rest as floats', () => {
    const ours = (text: string) => {
      const x = Number(text)
      return { dumps: attempt(() => pyJsonDumps(x)), repr: pyRepr(x), str: pyStr(x) }
    }
    expect(mismatches('js_number', JS_NUMBERS.map(numberText), ours)).to.deep.equal([])
  })

  it('writes bytes as repr(bytes) and str(bytes) do', () => {
    const ours = (list: number[]) => ({ repr: pyRepr(new Uint8Array(list)), str: pyStr(Buffer.from(list)) })
    expect(mismatches('bytes', BYTES, ours)).to.deep.equal([])
  })

  it('reads bytes as json.loads does: UTF-8 (with BOM, surrogatepass), UTF-16 and UTF-32, and refuses the same ones', () => {
    const ours = (list: number[]) => {
      try {
        const value = pyJsonLoads(new Uint8Array(list))
        return { dumps: pyJsonDumps(value), repr: pyRepr(value) }
      } catch (err) {
        return { message: (err as Error).message }
      }
    }
    // Python's UnicodeDecodeError is our TypeError, with the same message
    expect(mismatches('loads_bytes', JSON_BYTES, ours)).to.deep.equal([])
    expect(JSON_BYTES.filter((b) => py('loads_bytes', b).error).length).to.equal(17)
  })

  it("follows Python's truthiness", () => {
    const ours = (text: string) => ({ bool: pyBool(pyJsonLoads(text)) })
    expect(mismatches('bool', BOOLS, ours)).to.deep.equal([])
  })

  it("tells printable characters as str.isprintable does, but where the Unicode versions differ (a code point one of them leaves unassigned)", () => {
    const theirs = py('printable', null) as unknown as { printable: [number, number][]; unassigned: [number, number][]; unicode: string }
    const printable = inRuns(theirs.printable)
    const unassignedInPython = inRuns(theirs.unassigned)
    const unassignedInNode = /\p{Cn}/u
    const differ: string[] = []
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      const ch = String.fromCodePoint(cp)
      const oursPrintable = ch === '\\' || pyRepr(ch).length === ch.length + 2
      if (oursPrintable === printable.has(cp)) continue
      if (unassignedInPython.has(cp) || unassignedInNode.test(ch)) continue
      differ.push(`U+${cp.toString(16).padStart(4, '0')}`)
    }
    expect(differ, `Python's Unicode ${theirs.unicode}, Node's ${process.versions.unicode}`).to.deep.equal([])
  })
})

describe('pyJsonLoads', () => {
  it('gives numbers, bigints beyond 2**53 and PyFloats for integral floats', () => {
    const value = pyJsonLoads('[1, -0, 9007199254740991, 9007199254740992, -12345678901234567890, 0.5, 1.0, -0.0, 1e16, 1e400, NaN]') as unknown[]
    expect(value.slice(0, 3)).to.deep.equal([1, 0, 9007199254740991])
    expect(Object.is(value[1], 0)).to.equal(true) // Python's int has no negative zero
    expect(value[3]).to.equal(9007199254740992n)
    expect(value[4]).to.equal(-12345678901234567890n)
    expect(value[5]).to.equal(0.5)
    for (const i of [6, 7, 8]) expect(value[i]).to.be.instanceOf(PyFloat)
    expect(+(value[6] as PyFloat) + 1).to.equal(2)
    expect(Object.is((value[7] as PyFloat).valueOf(), -0)).to.equal(true)
    expect(value[9]).to.equal(Infinity)
    expect(value[10]).to.be.NaN
  })

  it('gives plain objects, keeps the last of duplicate keys in the place of the first, and a __proto__ key as data', () => {
    const obj = pyJsonLoads('{"a": 1, "b": 2, "a": 3, "__proto__": {"polluted": true}}') as Record<string, unknown>
    expect(Object.getPrototypeOf(obj)).to.equal(Object.prototype)
    expect(Object.keys(obj)).to.deep.equal(['a', 'b', '__proto__'])
    expect(obj.a).to.equal(3)
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined)
    expect(pyJsonDumps(obj)).to.equal('{"a": 3, "b": 2, "__proto__": {"polluted": true}}')
  })

  it("keeps Python's key order for integer-like keys in a hidden property; dumps and repr follow it, keys added later go last", () => {
    const obj = pyJsonLoads('{"b": 1, "10": 2, "2": 3}') as Record<string, unknown>
    expect(Object.keys(obj)).to.deep.equal(['2', '10', 'b']) // JS's own order
    expect(obj).to.deep.equal({ b: 1, 10: 2, 2: 3 })
    expect(pyJsonDumps(obj)).to.equal('{"b": 1, "10": 2, "2": 3}')
    obj['1'] = 4
    delete obj.b
    expect(pyRepr(obj)).to.equal("{'10': 2, '2': 3, '1': 4}")
    expect(pyJsonDumps({ ...obj })).to.equal('{"1": 4, "2": 3, "10": 2}') // a copy has JS's order
  })

  it('throws JSONDecodeError, a SyntaxError, with Python’s message and position in code points', () => {
    const error = (text: string) => {
      try {
        pyJsonLoads(text)
      } catch (err) {
        return err as JSONDecodeError
      }
      throw new Error(`no error for ${text}`)
    }
    const err = error('{"😀": [1,\n  2,,]}')
    expect(err).to.be.instanceOf(JSONDecodeError).and.instanceOf(SyntaxError)
    expect(err.name).to.equal('JSONDecodeError')
    expect(err.message).to.equal('Expecting value: line 2 column 5 (char 14)')
    expect([err.msg, err.pos, err.lineno, err.colno]).to.deep.equal(['Expecting value', 14, 2, 5])
    expect(error('').message).to.equal('Expecting value: line 1 column 1 (char 0)')
    expect(error('[1] x').message).to.equal('Extra data: line 1 column 5 (char 4)')
    // Python 3.11's wording for trailing commas (3.13 says "Illegal trailing comma before end of ...")
    expect(error('[1,]').message).to.equal('Expecting value: line 1 column 4 (char 3)')
    expect(error('{"a": 1,}').message).to.equal('Expecting property name enclosed in double quotes: line 1 column 9 (char 8)')
  })

  it("refuses input that is neither a string nor bytes, undecodable bytes and ints of more than 4300 digits, as Python does", () => {
    expect(() => pyJsonLoads(5 as unknown as string)).to.throw(TypeError, 'the JSON object must be str, bytes or bytearray, not int')
    expect(() => pyJsonLoads(new Uint8Array([0x22, 0xff]))).to.throw(TypeError, "'utf-8' codec can't decode byte 0xff in position 1: invalid start byte")
    expect(() => pyJsonLoads('1'.repeat(4301))).to.throw(RangeError, 'Exceeds the limit (4300 digits)')
    expect(String(pyJsonLoads('-' + '1'.repeat(4300))).length).to.equal(4301)
  })
})

describe('pyJsonDumps', () => {
  it('writes undefined as null, as a value and inside containers', () => {
    expect(pyJsonDumps(undefined)).to.equal('null')
    expect(pyJsonDumps({ a: undefined, b: [undefined] })).to.equal('{"a": null, "b": [null]}')
  })

  it('writes Number, String and Boolean objects as their values, and PyFloat as a float', () => {
    expect(pyJsonDumps([new Number(2), new Number(2.5), new String('s'), new Boolean(false), new PyFloat(2), new PyFloat(-0)])).to.equal(
      '[2, 2.5, "s", false, 2.0, -0.0]',
    )
  })

  it('writes objects with a null prototype as dicts, and shared (not circular) references twice', () => {
    const shared = Object.assign(Object.create(null), { x: 1 })
    expect(pyJsonDumps({ a: shared, b: [shared, shared] })).to.equal('{"a": {"x": 1}, "b": [{"x": 1}, {"x": 1}]}')
  })

  it('throws TypeError for what json.dumps cannot serialise, naming the type as Python does', () => {
    class Point {
      x = 1
    }
    const cases: [unknown, string][] = [
      [new Uint8Array([1]), 'bytes'],
      [Buffer.from('x'), 'bytes'],
      [() => 1, 'function'],
      [Symbol('s'), 'symbol'],
      [new Map(), 'Map'],
      [new Set([1]), 'set'],
      [new Date(0), 'datetime'],
      [new Point(), 'Point'],
      [new Float32Array(1), 'Float32Array'],
      [{ nested: [1, new Uint8Array(0)] }, 'bytes'],
    ]
    for (const [value, type] of cases) {
      expect(() => pyJsonDumps(value), type).to.throw(TypeError, `Object of type ${type} is not JSON serializable`)
    }
  })

  it('throws on a circular reference (Python: ValueError: Circular reference detected)', () => {
    const list: unknown[] = [1]
    list.push(list)
    const obj: Record<string, unknown> = {}
    obj.self = { back: obj }
    expect(() => pyJsonDumps(list)).to.throw(TypeError, 'Circular reference detected')
    expect(() => pyJsonDumps(obj)).to.throw(TypeError, 'Circular reference detected')
  })
})

describe('shortDecimalPlaces', () => {
  /** How many decimals x's shortest round-trip digits (String(x) has them) have, when at most 9 and the digits read as an integer are below 2**31; else 0. */
  const expected = (x: number) => {
    const text = String(x)
    const places = text.includes('e') ? 0 : (text.split('.')[1] ?? '').length
    return places >= 1 && places <= 9 && Number(text.replace('.', '')) < 2147483647 ? places : 0
  }

  it('finds the places of every short decimal, and 0 for float32 scores and random doubles', () => {
    const next = random(13)
    const values: number[] = []
    for (let i = 0; i < 20000; i++) {
      const d = 1 + (i % 9)
      values.push(Math.floor(next() * 2 ** 31) / 10 ** d) // a decimal of at most d places
      values.push(Math.fround(next()), Math.fround(next() * 1e4), next() * 10 ** ((i % 10) - 4))
    }
    const found = values.map(shortDecimalPlaces)
    const mismatches = values.filter((x, i) => found[i] !== expected(x))
    expect(mismatches.slice(0, 5).map((x) => [x, shortDecimalPlaces(x), expected(x)])).to.deep.equal([])
    expect(found.filter((d) => d > 0).length, 'short decimals found').to.be.greaterThan(19000)
  })
})

describe('pyRepr and pyStr', () => {
  it('write a list or dict inside itself as Python does', () => {
    const list: unknown[] = [1]
    list.push(list)
    const obj: Record<string, unknown> = { a: 1 }
    obj.self = obj
    expect(pyRepr(list)).to.equal('[1, [...]]')
    expect(pyRepr(obj)).to.equal("{'a': 1, 'self': {...}}")
    expect(pyStr(obj)).to.equal("{'a': 1, 'self': {...}}")
  })

  it('write undefined as None and a string as is (str)', () => {
    expect([pyRepr(undefined), pyStr(undefined), pyStr("it's"), pyRepr("it's")]).to.deep.equal(['None', 'None', "it's", `"it's"`])
  })

  it('give stand-ins in angle brackets for JS values Python has no type for', () => {
    function named() {}
    class Point {}
    expect(pyRepr(named)).to.equal('<function named>')
    expect(pyRepr(() => 1)).to.equal('<function <anonymous>>')
    expect(pyRepr(new Map<unknown, unknown>([['a', 1], [2, [null]]]))).to.equal("<Map {'a': 1, 2: [None]}>")
    expect(pyRepr(new Set([1, 'b']))).to.equal("<Set {1, 'b'}>")
    expect(pyRepr(new Date(Date.UTC(2024, 0, 2)))).to.equal('<Date 2024-01-02T00:00:00.000Z>')
    expect(pyRepr(new Date(NaN))).to.equal('<Date Invalid Date>')
    expect(pyRepr(new Point())).to.equal('<Point object>')
    expect(pyRepr(Symbol('s'))).to.equal('<symbol s>')
    expect(pyRepr([new TypeError("bad 'x'"), new Error()])).to.equal(`[TypeError("bad 'x'"), Error()]`)
    expect(pyStr(new Error('why'))).to.equal('why')
  })
})
