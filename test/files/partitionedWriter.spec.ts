import { expect } from 'chai'
import type { RecordFile, RecordStore } from '../../lib/files/store.js'
import { PartitionedWriter } from '../../lib/files/partitionedWriter.js'

/** A store in memory whose writes finish only when the test releases them. */
function heldStore() {
  const files = new Map<string, string>()
  const writes: string[] = []
  const held: { release: () => void; fail: (err: Error) => void }[] = []
  const closed: string[] = []
  const store: RecordStore = {
    async create(path) {
      files.set(path, '')
      const file: RecordFile = {
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

describe('PartitionedWriter', () => {
  it('writes the flushes queued behind a write in one write per part, in order', async () => {
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
    held.shift()!.release()
    await tick()
    // The two queued flushes: one write for part 0's rest, one for part 1.
    expect(writes).to.deep.equal(['a\nb\n', 'c\nd\ne\n'])
    held.shift()!.release()
    await tick()
    expect(writes).to.deep.equal(['a\nb\n', 'c\nd\ne\n', 'f\ng\n'])
    held.shift()!.release()
    await tick()
    expect(flushed).to.deep.equal([2, 2, 3])
    expect(files.get('/d/part_000000.txt')).to.equal('a\nb\nc\nd\ne\n')
    expect(files.get('/d/part_000001.txt')).to.equal('f\ng\n')
    await writer.close()
    expect(writer.written).to.equal(7)
  })

  it('fails every flush queued behind a failed write, and counts none of their lines written', async () => {
    const { store, held } = heldStore()
    const writer = new PartitionedWriter('/d', { store, partitionSize: 100, fileExt: 'txt', rotateIntervalMs: 0 }, 0)
    writer.add('a', 0)
    const first = writer.flush()
    await tick()
    writer.add('b', 0)
    const second = writer.flush()
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
