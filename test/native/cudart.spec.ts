import { existsSync } from 'node:fs'
import { expect } from 'chai'
import { NativeCallError, NativeLibraryError } from '../../lib/errors.js'
import { CUDART_SONAMES, loadCudart, type Cudart } from '../../lib/native/cudart.js'
import { koffi } from '../../lib/native/loader.js'
import { CUDART_MISSING, libcPath } from '../support/cudart.js'
import { requireInfra } from '../support/infra.js'

const missing = '/nonexistent/rxtrain-test/libcudart.so.12'

/** Runs `fn` with RXTRAIN_CUDART set to `value` (or unset), then puts it back. */
function withEnv<T>(value: string | undefined, fn: () => T): T {
  const saved = process.env.RXTRAIN_CUDART
  if (value === undefined) delete process.env.RXTRAIN_CUDART
  else process.env.RXTRAIN_CUDART = value
  try {
    return fn()
  } finally {
    if (saved === undefined) delete process.env.RXTRAIN_CUDART
    else process.env.RXTRAIN_CUDART = saved
  }
}

function loadError(fn: () => unknown): NativeLibraryError {
  let thrown: unknown
  try {
    fn()
  } catch (err) {
    thrown = err
  }
  expect(thrown).to.be.instanceOf(NativeLibraryError)
  return thrown as NativeLibraryError
}

describe('loadCudart', () => {
  describe('without a usable libcudart', () => {
    it('a missing path option is a NativeLibraryError naming libcudart and only that path', () => {
      const err = loadError(() => loadCudart({ path: missing }))
      expect(err.library).to.equal('libcudart')
      expect(err.pathTried).to.deep.equal([missing])
      expect(err.message).to.include('libcudart').and.include(missing)
      expect(err.cause).to.be.instanceOf(Error)
    })

    it('RXTRAIN_CUDART pointing to a missing file is reported with that path', () => {
      const err = withEnv(missing, () => loadError(() => loadCudart()))
      expect(err.pathTried).to.deep.equal([missing])
      expect(err.message).to.include(missing)
    })

    it('an empty RXTRAIN_CUDART falls back to the sonames', function () {
      // Either a system libcudart loads by soname, or every soname is named in the error.
      let cudart: Cudart | undefined
      let err: unknown
      withEnv('', () => {
        try {
          cudart = loadCudart()
        } catch (e) {
          err = e
        }
      })
      if (cudart !== undefined) expect(CUDART_SONAMES).to.include(cudart.path)
      else {
        expect(err).to.be.instanceOf(NativeLibraryError)
        expect((err as NativeLibraryError).pathTried).to.deep.equal([...CUDART_SONAMES])
        expect((err as NativeLibraryError).message).to.include(CUDART_SONAMES.join(', '))
      }
    })

    it('the sonames suit the platform', () => {
      const pattern = process.platform === 'win32' ? /^cudart64_\d+\.dll$/ : /^libcudart\.so(\.\d+)*$/
      expect(CUDART_SONAMES).to.have.length.greaterThan(0)
      for (const soname of CUDART_SONAMES) expect(soname).to.match(pattern)
      expect(() => (CUDART_SONAMES as string[]).push('x')).to.throw(TypeError)
    })

    it('a library lacking the CUDA symbols (libc) is a NativeLibraryError naming the function and path', function () {
      const libc = libcPath()
      requireInfra(this, libc !== undefined, 'no C library found in /proc/self/maps to stand in for a library without CUDA symbols')
      const err = loadError(() => loadCudart({ path: libc }))
      expect(err.library).to.equal('libcudart')
      expect(err.pathTried).to.deep.equal([libc])
      expect(err.message).to.include(libc!).and.include('cudaProfilerStart')
    })

    it('a failed load is not cached: the same request retried still fails, and names the path', () => {
      const first = loadError(() => loadCudart({ path: missing }))
      const second = loadError(() => loadCudart({ path: missing }))
      expect(second).to.not.equal(first)
      expect(second.pathTried).to.deep.equal([missing])
    })
  })

  describe('with the real libcudart (RXTRAIN_CUDART or a soname)', () => {
    let cudart: Cudart

    before(function () {
      try {
        cudart = loadCudart()
      } catch (err) {
        if (!(err instanceof NativeLibraryError)) throw err
        requireInfra(this, false, `${CUDART_MISSING} (${err.message})`)
      }
    })

    it('reports the path that loaded', () => {
      const expected = process.env.RXTRAIN_CUDART
      if (expected) {
        expect(cudart.path).to.equal(expected)
        expect(existsSync(expected)).to.equal(true)
      } else expect(CUDART_SONAMES).to.include(cudart.path)
    })

    it('loading twice returns the cached object, also when asked by its path', () => {
      expect(loadCudart()).to.equal(cudart)
      expect(loadCudart({ path: cudart.path })).to.equal(cudart)
      expect(Object.isFrozen(cudart)).to.equal(true)
    })

    it('an explicit path wins over a wrong RXTRAIN_CUDART', () => {
      expect(withEnv(missing, () => loadCudart({ path: cudart.path }))).to.equal(cudart)
    })

    it('profilerStart and profilerStop succeed, or throw NativeCallError with the code and its meaning', () => {
      // The expected meaning, asked of the library directly.
      const errorString = koffi().load(cudart.path).func('const char *cudaGetErrorString(int)')
      const check = (call: () => void, fn: string): boolean => {
        try {
          call()
          return true
        } catch (err) {
          expect(err).to.be.instanceOf(NativeCallError)
          const e = err as NativeCallError
          expect(e.library).to.equal('libcudart')
          expect(e.fn).to.equal(fn)
          expect(e.path).to.equal(cudart.path)
          expect(e.code).to.be.a('number').and.not.equal(0)
          expect(e.meaning).to.be.a('string').and.not.equal('')
          expect(e.meaning).to.equal(errorString(e.code))
          expect(e.meaning).to.not.match(/^(unknown error|unrecognized error code)$/)
          // cudaErrorInsufficientDriver: no GPU driver here, as on CI.
          if (e.code === 35) expect(e.meaning).to.match(/driver/i)
          expect(e.message).to.include('libcudart').and.include(cudart.path).and.include(`${fn}()`).and.include(String(e.code))
          expect(e.message).to.include(e.meaning)
          return false
        }
      }
      const started = check(() => cudart.profilerStart(), 'cudaProfilerStart')
      const stopped = check(() => cudart.profilerStop(), 'cudaProfilerStop')
      // On a GPU machine a started profiler stops cleanly.
      if (started) expect(stopped, 'profilerStop after a successful profilerStart').to.equal(true)
    })
  })
})
