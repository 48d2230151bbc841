// The records bench/file.ts and bench/layout-wasm.ts lay out, and the plain write loop
// both compare against.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { vepfsLayout } from '../index.js'
import { byteLayoutOf, type LineOut } from '../lib/files/lineBytes.js'
import { partName } from '../lib/files/partitionedWriter.js'

export const RECORDS = Number(process.env.BENCH_FILE_RECORDS ?? 2_000_000)
export const PARTITION = 1_000_000

/** Deep-insight record i, with its scores (one literal: every record has the same shape, as a run's do). */
export const record = (i: number, predict: number[]) => ({
  req_time: '20240101',
  model_name: 'ranker',
  gid: 1_000_000 + i,
  uid: 7_000_000_000 + i * 13,
  predict,
  label: [i % 2, 0],
})

/** 1000 distinct deep-insight records, cycled. */
export const pool = Array.from({ length: 1000 }, (_, i) => record(i, [((i * 37) % 1000) / 1000, 0.25]))

/**
 * The same records with a model's float32 scores (a sigmoid's output read as doubles,
 * 0.7310585975646973): the float text then takes V8's full shortest-digits search.
 */
export const float32Pool = pool.map((_, i) => record(i, [Math.fround(1 / (1 + Math.exp(-((i % 200) - 100) / 25))), Math.fround(0.25 + i / 7919)]))

export const dirBytes = (dir: string) => readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0)

/** Lines in part `part`: PARTITION, but the last may hold fewer. */
export const partLines = (part: number) => Math.min(PARTITION, RECORDS - part * PARTITION)

/** Times writing RECORDS lines as parts of PARTITION lines into `dir`, `writePart` filling each open part; each part fsync'd. */
export function timedParts(dir: string, writePart: (fd: number, part: number) => void): { seconds: number; bytes: number } {
  mkdirSync(dir, { recursive: true })
  const started = performance.now()
  for (let part = 0; part * PARTITION < RECORDS; part++) {
    const fd = openSync(join(dir, partName(part, 'txt')), 'w')
    writePart(fd, part)
    fsyncSync(fd)
    closeSync(fd)
  }
  return { seconds: (performance.now() - started) / 1000, bytes: dirBytes(dir) }
}

export function plainWrite(dir: string): { seconds: number; bytes: number } {
  // The same bytes, formatted before the clock starts: what writing alone costs. Each
  // write is one flat string of 1024 lines; parts of the same length share them.
  const lines = pool.map((r) => vepfsLayout(r))
  const chunksOf = new Map<number, string[]>()
  for (let part = 0; part * PARTITION < RECORDS; part++) {
    const n = partLines(part)
    if (chunksOf.has(n)) continue
    const chunks: string[] = []
    for (let at = 0; at < n; at += 1024) {
      chunks.push(Array.from({ length: Math.min(1024, n - at) }, (_, j) => lines[(at + j) % lines.length]).join('\n') + '\n')
    }
    chunksOf.set(n, chunks)
  }
  return timedParts(dir, (fd, part) => {
    for (const chunk of chunksOf.get(partLines(part))!) writeSync(fd, chunk)
  })
}

/** Lays RECORDS records out with vepfsLayout's byte form (what fileSink writes with) into a reused buffer: no sink, no file. */
export function layoutAlone(records: unknown[]): { seconds: number; bytes: number } {
  const layout = byteLayoutOf(vepfsLayout)!
  const out: LineOut = {
    buf: new Uint8Array(1 << 20),
    pos: 0,
    lineStart: 0,
    reserve(n) {
      if (this.pos + n > this.buf.length) this.pos = 0 // the bytes are not kept
    },
  }
  let bytes = 0
  const started = performance.now()
  for (let i = 0; i < RECORDS; i++) {
    const before = (out.lineStart = out.pos)
    layout(records[i % records.length], out)
    bytes += out.pos - before + 1
  }
  return { seconds: (performance.now() - started) / 1000, bytes }
}
