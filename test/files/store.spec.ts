import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { FileSinkError } from '../../lib/errors.js'
import { localStore } from '../../lib/files/store.js'

describe('localStore', () => {
  let base: string
  beforeEach(() => (base = mkdtempSync(join(tmpdir(), 'rxtrain-store-'))))
  afterEach(() => rmSync(base, { recursive: true, force: true }))

  it('takes several writes at once, each landing after the one called before it', async () => {
    const file = await localStore().create(join(base, 'a', 'part_000000.txt'))
    expect(file.concurrent).to.equal(true)
    const lines = Array.from({ length: 200 }, (_, i) => `${i} ${'x'.repeat(i * 37 % 5000)}\n`)
    await Promise.all(lines.map((line, i) => file.write(i % 2 ? line : Buffer.from(line))))
    await file.close()
    expect(readFileSync(join(base, 'a', 'part_000000.txt'), 'utf8')).to.equal(lines.join(''))
  })

  it('after a failed write, closes the file cut where that write was to go, whatever landed beyond it', async () => {
    const path = join(base, 'part_000000.txt')
    const file = await localStore().create(path)
    // A view that says it holds 10 bytes but has 3: the write of it fails, after its room is taken.
    class Short extends Uint8Array {
      override get length() {
        return 10
      }
    }
    await file.write('abc')
    const failed = await file.write(new Short(3)).catch((e: unknown) => e)
    expect(failed).to.be.instanceOf(FileSinkError)
    expect((failed as FileSinkError).path).to.equal(path)
    await file.write('def') // lands at offset 13, past a hole
    expect(readFileSync(path).length).to.equal(16)
    await file.close()
    expect(readFileSync(path, 'utf8')).to.equal('abc')
  })
})
