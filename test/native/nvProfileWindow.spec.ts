import { expect } from 'chai'
import { lastValueFrom, toArray } from 'rxjs'
import { ConfigError, NativeCallError, NativeLibraryError } from '../../lib/errors.js'
import { loadCudart } from '../../lib/native/cudart.js'
import { fromLoop } from '../../lib/sources/fromLoop.js'
import { nvProfileWindow } from '../../operators/nvProfileWindow.js'
import { requireInfra } from '../support/infra.js'
import { CUDART_MISSING } from '../support/cudart.js'

const loop = (steps: number, seen: number[] = []) => fromLoop({ steps, step: (i) => (seen.push(i), { loss: 0 }) })

describe('nvProfileWindow (real libcudart)', () => {
  let path: string

  before(function () {
    let found: string | undefined
    try {
      found = loadCudart().path
    } catch {
      found = undefined
    }
    requireInfra(this, found !== undefined, CUDART_MISSING)
    path = found!
  })

  it('rejects bad ranges at creation, before loading anything', () => {
    expect(() => nvProfileWindow([5, 5])).to.throw(ConfigError, 'nvProfileWindow: initStepRange end (5) must be greater than its start (5)')
    expect(() => nvProfileWindow({ initStepRange: [0, 10], saveSteps: 4 })).to.throw(ConfigError, 'nvProfileWindow: saveSteps (4)')
  })

  it('drives cudaProfilerStart at the window start: success on a GPU machine, else the typed CUDA error', async () => {
    const seen: number[] = []
    const result = await lastValueFrom(loop(10, seen).pipe(nvProfileWindow({ initStepRange: [3, 6], cudartPath: path }), toArray())).then(
      (steps) => ({ steps }),
      (error: unknown) => ({ error }),
    )
    if ('steps' in result) {
      // cudaProfilerStart and Stop both succeeded: every step passed through.
      expect(result.steps.map((s) => s.step)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
      return
    }
    const err = result.error as NativeCallError
    expect(err).to.be.instanceOf(NativeCallError)
    expect(err.library).to.equal('libcudart')
    expect(err.fn).to.equal('cudaProfilerStart')
    expect(err.code).to.be.a('number').and.not.equal(0)
    expect(err.meaning).to.be.a('string').and.not.equal('')
    expect(err.path).to.equal(path)
    expect(err.message).to.include(path).and.to.include(`cudaProfilerStart() returned ${err.code}`)
    // The window opens after step 2 (index 2) has passed: steps 0..2 ran, no more.
    expect(seen).to.deep.equal([0, 1, 2])
  })

  it('loads libcudart at subscribe and passes every step when no window is reached', async () => {
    const steps = await lastValueFrom(loop(5).pipe(nvProfileWindow({ initStepRange: [100, 110], cudartPath: path }), toArray()))
    expect(steps).to.have.length(5)
  })

  it('errors at subscribe, running no step, when libcudart is not at the given path', async () => {
    const seen: number[] = []
    const missing = '/nonexistent/libcudart.so.12'
    const err = await lastValueFrom(loop(5, seen).pipe(nvProfileWindow({ initStepRange: [0, 2], cudartPath: missing }))).catch((e: unknown) => e)
    expect(err).to.be.instanceOf(NativeLibraryError)
    expect((err as NativeLibraryError).pathTried).to.deep.equal([missing])
    expect((err as Error).message).to.include('libcudart').and.to.include(missing)
    expect(seen).to.deep.equal([])
  })
})
