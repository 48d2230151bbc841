import { expect } from 'chai'
import type { LineOut } from '../../lib/files/lineBytes.js'
import type { RecordFile, RecordStore } from '../../lib/files/store.js'
import { PartitionedWriter } from '../../lib/files/partitionedWriter.js'

/**
 * A store in memory whose writes finish only when the test releases them (or fails
 * them); `concurrent` as a local file's, or one write at a time.
 */
function heldStore(concurrent = false) {
  const files = new Map<string, string>()
  const writes: string[] = []
  const held: { release: () => void; fail: (err: Error) => void }[] = []
  const closed: string[] = []
  const store: RecordStore = {
    async create(path) {
      files.set(path, '')
      const file: RecordFile = {
        concurrent,
        write: (data) =>
          new Promise<void>((resolve, reject) => {
            const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8')
            writes.push(text)
            held.push({
              release: () => {
                files.set(path, files.get(path)! + text)
                resolve()
              },
              fail: reject,
            })
          }),
        sync: async () => {},
        close: async () => {
          closed.push(path)
        },
      }
      return file
    },
  }
  return { store, files, writes, held, closed }
}

const tick = () => new Promise((r) => setImmediate(r))

/** Closes the writer, releasing each of its held writes as it comes, until it has closed. */
async function closeReleasing(writer: PartitionedWriter, held: { release: () => void }[]): Promise<void> {
  let done = false
  const closed = writer.close().finally(() => (done = true))
  while (!done) {
    while (held.length > 0) held.shift()!.release()
    await tick()
  }
  await closed
}

/** A writer given line 'a' and a flush, a turn, then line 'b' and a flush. */
async function twoFlushes(store: RecordStore) {
  const writer = new PartitionedWriter('/d', { store, partitionSize: 100, fileExt: 'txt', rotateIntervalMs: 0 }, 0)
  writer.add('a', 0)
  const first = writer.flush()
  await tick()
  writer.add('b', 0)
  const second = writer.flush()
  return { writer, first, second }
}

/** Writes an ASCII string into `out`, as a byte layout does. */
function putAscii(out: LineOut, s: string): void {
  out.reserve(s.length)
  for (const c of s) out.buf[out.pos++] = c.charCodeAt(0)
}

describe('PartitionedWriter', () => {
  it('to a file that takes one write at a time, writes the batches cut before a turn in one write per part, after the last', async () => {
    const { store, files, writes, held } = heldStore()
    const writer = new PartitionedWriter('/d', { store, partitionSize: 5, fileExt: 'txt', rotateIntervalMs: 0 }, 0)
    const flushed: number[] = []
    const add = (...lines: string[]) => lines.forEach((l) => writer.add(l, 0))
    add('a', 'b')
    void writer.flush().then((n) => flushed.push(n))
    await tick()
    expect(writes).to.deep.equal(['a\nb\n']) // under way, not yet done
    add('c', 'd')
    void writer.flush().then((n) => flushed.push(n))
    add('e', 'f', 'g') // e fills part 0, f and g start part 1
    void writer.flush().then((n) => flushed.push(n))
    await tick()
    // Part 1 is another file: its batch need not wait for part 0's.
    expect(writes).to.deep.equal(['a\nb\n', 'f\ng\n'])
    held.shift()!.release()
    await tick()
    // The two flushes' batches for part 0, cut in one turn: one write.
    expect(writes).to.deep.equal(['a\nb\n', 'f\ng\n', 'c\nd\ne\n'])
    expect(flushed).to.deep.equal([2])
    held.shift()!.release() // f, g: done, but its flush waits for the one before
    await tick()
    expect(flushed).to.deep.equal([2])
    held.shift()!.release()
    await tick()
    expect(flushed).to.deep.equal([2, 2, 3])
    expect(files.get('/d/part_000000.txt')).to.equal('a\nb\nc\nd\ne\n')
    expect(files.get('/d/part_000001.txt')).to.equal('f\ng\n')
    await writer.close()
    expect(writer.written).to.equal(7)
  })

  it('to a file that takes several writes at once, starts the batches of each turn without waiting, and resolves flushes in order', async () => {
    const { store, writes, held } = heldStore(true)
    const writer = new PartitionedWriter('/d', { store, partitionSize: 100, fileExt: 'txt', rotateIntervalMs: 0 }, 0)
    const flushed: number[] = []
    writer.add('a', 0)
    void writer.flush().then((n) => flushed.push(n))
    await tick()
    writer.add('b', 0)
    writer.add('c', 0)
    void writer.flush().then((n) => flushed.push(n))
    await tick()
    expect(writes).to.deep.equal(['a\n', 'b\nc\n']) // both under way
    held[1]!.release() // the second finishes first
    await tick()
    expect(flushed).to.deep.equal([])
    held[0]!.release()
    await tick()
    expect(flushed).to.deep.equal([1, 2])
    expect(writer.written).to.equal(3)
  })

  it('to a file that takes several writes at once, fails the flushes after a failed write even when their own writes succeeded', async () => {
    const { store, held } = heldStore(true)
    const { writer, first, second } = await twoFlushes(store)
    await tick()
    held[1]!.release()
    held[0]!.fail(new Error('ENOSPC: no space left on device'))
    const results = await Promise.allSettled([first, second])
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected'])
    expect((results[1] as PromiseRejectedResult).reason.message).to.contain('ENOSPC')
    expect(writer.written).to.equal(0)
    writer.add('c', 0)
    expect(await writer.flush().catch((e: Error) => e.message)).to.contain('ENOSPC')
    expect(held).to.have.length(2) // nothing was written after the failure
  })

  it("writes a part's lines even when a later part's write failed first, and fails the flush", async () => {
    let openPart0!: () => void
    const files = new Map<string, string>()
    const store: RecordStore = {
      async create(path) {
        if (path.endsWith('part_000000.txt')) await new Promise<void>((resolve) => (openPart0 = resolve))
        files.set(path, '')
        return {
          concurrent: true,
          async write(data) {
            if (path.endsWith('part_000001.txt')) throw new Error('ENOSPC: no space left on device')
            files.set(path, files.get(path)! + Buffer.from(data).toString())
          },
          async sync() {},
          async close() {},
        }
      },
    }
    const writer = new PartitionedWriter('/d', { store, partitionSize: 2, fileExt: 'txt', rotateIntervalMs: 0 }, 0)
    for (const line of ['a', 'b', 'c']) writer.add(line, 0) // a, b fill part 0; c starts part 1
    const flushed = writer.flush().catch((e: Error) => e.message)
    for (let i = 0; i < 5; i++) await tick() // part 1's write has failed; part 0 is still being created
    openPart0()
    expect(await flushed).to.contain('ENOSPC')
    expect(await writer.close().catch((e: Error) => e.message)).to.contain('ENOSPC')
    expect(files.get('/d/part_000000.txt')).to.equal('a\nb\n')
  })

  it('keeps the order of lines added as text and lines laid out as bytes, mixed', async () => {
    const { store, files, held } = heldStore(true)
    const writer = new PartitionedWriter('/d', { store, partitionSize: 100, fileExt: 'txt', rotateIntervalMs: 0 }, 0)
    // Bytes for an object, the text itself for a string (as defaultLayout's byte form does).
    const layout = (obj: unknown, out: LineOut): string | void => {
      if (typeof obj === 'string') return obj
      putAscii(out, JSON.stringify(obj))
    }
    writer.add('a', 0)
    writer.addLaidOut(layout, { b: 1 }, 0)
    writer.addLaidOut(layout, 'c', 0)
    writer.add('d', 0)
    writer.addLaidOut(layout, { e: 2 }, 0)
    writer.addLaidOut(layout, 'f', 0)
    await closeReleasing(writer, held)
    expect(files.get('/d/part_000000.txt')).to.equal('a\n{"b":1}\nc\nd\n{"e":2}\nf\n')
  })

  it('lays lines into slabs: lines longer than a slab, and many lines across slabs, come out whole', async () => {
    const { store, files, held } = heldStore(true)
    const writer = new PartitionedWriter('/d', { store, partitionSize: 1000, fileExt: 'txt', rotateIntervalMs: 0 }, 0)
    const long = 'x'.repeat(100_000) + 'é' // more than the first slab, and not ASCII
    const lines = [long, ...Array.from({ length: 600 }, (_, i) => `line ${i} ${'y'.repeat(i % 97)}`), long]
    for (const [i, line] of lines.entries()) {
      writer.add(line, 0)
      if (i % 50 === 0) void writer.flush()
    }
    await closeReleasing(writer, held)
    expect(files.get('/d/part_000000.txt')).to.equal(lines.join('\n') + '\n')
  })

  it('keeps nothing of a line whose byte layout throws, even after it made a new slab', async () => {
    const { store, files, held } = heldStore(true)
    const writer = new PartitionedWriter('/d', { store, partitionSize: 100, fileExt: 'txt', rotateIntervalMs: 0 }, 0)
    const text = (s: string) => (obj: unknown, out: LineOut) => putAscii(out, s)
    writer.addLaidOut(text('kept'), null, 0)
    void writer.flush() // the next line starts past the start of the slab
    const failing = (obj: unknown, out: LineOut) => {
      text('half a line')(obj, out)
      out.reserve(1 << 20) // a new slab, the partial line moved into it
      throw new TypeError('Object of type bytes is not JSON serializable')
    }
    expect(() => writer.addLaidOut(failing, null, 0)).to.throw(TypeError, 'not JSON serializable')
    writer.addLaidOut(text('also kept'), null, 0)
    expect(writer.added).to.equal(2)
    await closeReleasing(writer, held)
    expect(files.get('/d/part_000000.txt')).to.equal('kept\nalso kept\n')
  })

  it('fails every flush queued behind a failed write, and counts none of their lines written', async () => {
    const { store, held } = heldStore()
    const { writer, first, second } = await twoFlushes(store)
    held.shift()!.fail(new Error('ENOSPC: no space left on device'))
    const results = await Promise.allSettled([first, second, writer.flush()])
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected', 'rejected'])
    expect((results[1] as PromiseRejectedResult).reason.message).to.contain('ENOSPC')
    expect(writer.written).to.equal(0)
    expect(held).to.have.length(0) // nothing was written after the failure
  })

  it('closes its open part even after a failed write, then throws that failure', async () => {
    const { store, held, closed } = heldStore()
    const writer = new PartitionedWriter('/d', { store, partitionSize: 100, fileExt: 'txt', rotateIntervalMs: 0 }, 0)
    writer.add('a', 0)
    const flushed = writer.flush().catch(() => {})
    await tick()
    held.shift()!.fail(new Error('ENOSPC: no space left on device'))
    await flushed
    const err = await writer.close().catch((e: Error) => e)
    expect(err).to.be.instanceOf(Error)
    expect((err as Error).message).to.contain('ENOSPC')
    expect(closed).to.deep.equal(['/d/part_000000.txt'])
  })
})
