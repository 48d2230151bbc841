/**
 * An experiment: what laying vepfs lines out in WebAssembly would gain over
 * vepfsLayout's byte form in JS (what fileSink writes with), each beside the plain fs
 * write loop of bench/file.ts, on the same 2e6 records, in the same run.
 *
 * JS reads each record's fields onto a tape (a Float64Array in the module's memory),
 * 1024 records at a time; bench/layout-wasm.wat formats the tape into lines, which are
 * copied out in one go per batch (copying line by line costs more than the
 * formatting saves). It covers the bench's records only (numeric ids, short lists of
 * short floats): a library version would need a JS fallback per line, as lineBytes.ts
 * has. The lines are checked byte for byte against vepfsLayout before timing. Each
 * figure is the best of 5 rounds taking turns.
 *
 *   npm run bench:layout-wasm
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import wabtInit from 'wabt'
import { vepfsLayout } from '../index.js'
import { layoutAlone, plainWrite, pool, RECORDS } from './fileRecords.js'
import { printRows } from './report.js'

const ROUNDS = 5
const BATCH = 1024
// Where the module keeps each part (see layout-wasm.wat).
const OPS = 524288
const STRINGS = 589824
const OUT = 655360
const PAIRS = 2097152

const wabt = await wabtInit()
const wat = readFileSync(new URL('./layout-wasm.wat', import.meta.url), 'utf8')
const binary = wabt.parseWat('layout-wasm.wat', wat, { bulk_memory: true, sat_float_to_int: true }).toBinary({}).buffer
// The WebAssembly global, which the node types leave to the DOM library.
type Instance = { exports: { format: (tape: number, end: number, pos: number) => number; mem: { buffer: ArrayBuffer } } }
const { WebAssembly } = globalThis as unknown as { WebAssembly: { instantiate(binary: Uint8Array): Promise<{ instance: Instance }> } }
const { format, mem } = (await WebAssembly.instantiate(binary)).instance.exports
const memory = new Uint8Array(mem.buffer)
const tape = new Float64Array(memory.buffer, 0, OPS / 8)
for (let i = 0; i < 100; i++) {
  memory[PAIRS + 2 * i] = 48 + Math.floor(i / 10)
  memory[PAIRS + 2 * i + 1] = 48 + (i % 10)
}

let lastDate = ''
let dateCode = 0
let stringsEnd = 0

/** Puts one record's fields on the tape from entry t; returns the entry after them, or -1 for a record this experiment does not cover. */
function toTape(r: Record<string, unknown>, t: number): number {
  if (Object.getPrototypeOf(r) !== Object.prototype || r.__REQ_TIME__ !== undefined) return -1
  const date = r.req_time
  if (typeof date !== 'string' || date.length > 32) return -1
  if (date !== lastDate) {
    const n = Buffer.from(date, 'latin1').copy(memory, STRINGS + stringsEnd)
    lastDate = date
    dateCode = stringsEnd * 256 + n
    stringsEnd += n
  }
  memory[OPS + t] = 0
  tape[t++] = dateCode
  // A truthy gid and uid with nothing before them in Python's `or` chain.
  const { gid, uid } = r
  if (typeof gid !== 'number' || gid === 0 || r.__FEED_ID__ !== undefined || r.feedid !== undefined) return -1
  if (typeof uid !== 'number' || uid === 0 || r.__UID__ !== undefined || r.userid !== undefined) return -1
  memory[OPS + t] = 1
  tape[t++] = gid
  memory[OPS + t] = 1
  tape[t++] = uid
  t = listToTape(r.predict, 2, t)
  return t < 0 ? t : listToTape(r.label, 3, t)
}

/** Puts a list of up to 8 numbers on the tape from entry t, as op `op`; returns the entry after it, or -1. */
function listToTape(list: unknown, op: number, t: number): number {
  if (!Array.isArray(list) || list.length > 8) return -1
  memory[OPS + t] = op
  tape[t++] = list.length
  for (let i = 0; i < list.length; i++) {
    const x: unknown = list[i]
    if (typeof x !== 'number') return -1
    tape[t++] = x
  }
  return t
}

/** Lays RECORDS records out by tape and WebAssembly into a reused buffer, as layoutAlone does in JS. */
function wasmAlone(records: Record<string, unknown>[]): { seconds: number; bytes: number } {
  const out = new Uint8Array(1 << 20)
  let bytes = 0
  const started = performance.now()
  for (let i = 0; i < RECORDS; i += BATCH) {
    let t = 0
    for (let j = i; j < Math.min(i + BATCH, RECORDS); j++) {
      t = toTape(records[j % records.length]!, t)
      if (t < 0) throw new Error(`record ${j}: not covered by the experiment`)
    }
    const end = format(0, t, OUT)
    if (end < 0) throw new Error(`records ${i} to ${i + BATCH - 1}: a number not covered by the experiment`)
    out.set(memory.subarray(OUT, end)) // the bytes are not kept
    bytes += end - OUT
  }
  return { seconds: (performance.now() - started) / 1000, bytes }
}

// The same bytes as vepfsLayout, before anything is timed.
let t = 0
for (const r of pool) t = toTape(r, t)
const lines = Buffer.from(memory.subarray(OUT, format(0, t, OUT))).toString('latin1')
if (lines !== pool.map((r) => vepfsLayout(r) + '\n').join('')) throw new Error('the WebAssembly lines differ from vepfsLayout')

type Timing = { seconds: number; bytes: number }
const best: Record<'js' | 'wasm' | 'plain', Timing | undefined> = { js: undefined, wasm: undefined, plain: undefined }
const keep = (name: keyof typeof best, timing: Timing) => {
  const before = best[name]
  if (before === undefined || timing.seconds < before.seconds) best[name] = timing
}
const root = mkdtempSync(join(tmpdir(), 'rxtrain-bench-layout-'))
try {
  for (let round = 0; round < ROUNDS; round++) {
    keep('js', layoutAlone(pool))
    keep('wasm', wasmAlone(pool))
    const dir = join(root, `plain-${round}`)
    keep('plain', plainWrite(dir))
    rmSync(dir, { recursive: true })
  }
} finally {
  rmSync(root, { recursive: true, force: true })
}
const linesPerSec = (r: Timing | undefined) => RECORDS / r!.seconds
printRows(`vepfs layout, ${RECORDS} records, no file (an experiment)`, [
  { name: 'vepfsLayout byte form (JS) lines/s', figure: linesPerSec(best.js), unit: 'lines/s', baselineName: 'plain fs write loop', baseline: linesPerSec(best.plain) },
  { name: 'tape + WebAssembly lines/s', figure: linesPerSec(best.wasm), unit: 'lines/s', baselineName: 'plain fs write loop', baseline: linesPerSec(best.plain) },
  { name: 'tape + WebAssembly lines/s', figure: linesPerSec(best.wasm), unit: 'lines/s', baselineName: 'vepfsLayout byte form (JS)', baseline: linesPerSec(best.js) },
])
