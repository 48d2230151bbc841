import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect } from 'chai'
import { loadCudart } from '../../lib/native/cudart.js'
import { CUDART_MISSING, mappedFiles } from '../support/cudart.js'
import { requireInfra } from '../support/infra.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const NATIVE = /koffi|cudart|byteps/i

interface ImportStats {
  maps: string[] | null
  cjs: string[]
  loadError?: string
}

/** Runs test/fixtures/import-child.ts in a fresh node and returns what it saw of itself. */
async function importChild(...args: string[]): Promise<ImportStats> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'test/fixtures/import-child.ts', ...args],
    { cwd: root, encoding: 'utf8' },
  )
  const line = stdout.split('\n').find((l) => l.startsWith('stats '))
  if (line === undefined) throw new Error(`import-child printed no stats: ${stdout}`)
  return JSON.parse(line.slice('stats '.length)) as ImportStats
}

describe('importing rxtrain', function () {
  this.timeout(60_000)

  before(function () {
    requireInfra(this, mappedFiles() !== undefined, 'no /proc/self/maps on this platform: cannot see which libraries a process mapped')
  })

  it('loads no native library (no koffi, libcudart or libbyteps mapped, koffi not required)', async () => {
    const { maps, cjs } = await importChild('none')
    // The child really did read its maps: node's own binary and its C library are in them.
    expect(maps).to.be.an('array').that.includes(process.execPath)
    expect(maps!.filter((f) => NATIVE.test(f))).to.deep.equal([])
    expect(cjs.filter((f) => NATIVE.test(f))).to.deep.equal([])
  })

  it('the same check sees koffi once loader.koffi() is called', async () => {
    const { maps, cjs } = await importChild('koffi')
    expect(maps!.some((f) => /koffi.*\.node$/.test(f)), `maps: ${maps!.join('\n')}`).to.equal(true)
    expect(cjs.some((f) => /[/\\]koffi[/\\]/.test(f)), `require.cache: ${cjs.join('\n')}`).to.equal(true)
  })

  it('the same check sees libcudart once loadCudart() is called', async function () {
    let path: string | undefined
    try {
      path = loadCudart().path
    } catch {
      // reported below
    }
    requireInfra(this, path !== undefined, CUDART_MISSING)
    const { maps, loadError } = await importChild('cudart', path!)
    expect(loadError).to.equal(undefined)
    expect(maps!.some((f) => /cudart/.test(f)), `maps: ${maps!.join('\n')}`).to.equal(true)
  })
})
