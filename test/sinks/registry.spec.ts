import { expect } from 'chai'
import { joinSinkRegistry, sinksReady } from '../../lib/sinks/registry.js'

describe('sinksReady', () => {
  const idle = { name: 'idle', drain: async () => {}, busy: () => false }

  it('is undefined while every sink has room and none is busy', () => {
    const leave = joinSinkRegistry(idle)
    try {
      expect(sinksReady()).to.equal(undefined)
    } finally {
      leave()
    }
  })

  it("while a sink is busy, gives the event loop's next turn, at most every 10 ms", async () => {
    let busy = true
    let now = 1e9 // a clock of the test's own, far past any earlier turn
    const realNow = performance.now
    performance.now = () => now
    const leave = joinSinkRegistry({ name: 'busy', drain: async () => {}, busy: () => busy })
    try {
      let turned = false
      setImmediate(() => (turned = true))
      const first = sinksReady()
      expect(first).to.be.instanceOf(Promise)
      now += 9.5
      expect(sinksReady(), '9.5 ms later').to.equal(undefined)
      await first
      expect(turned, 'a setImmediate queued before it ran first').to.equal(true)
      now += 0.5
      expect(sinksReady(), '10 ms later').to.be.instanceOf(Promise)
      busy = false
      now += 50
      expect(sinksReady(), 'no longer busy').to.equal(undefined)
    } finally {
      performance.now = realNow
      leave()
    }
  })

  it('waits on a full sink first, then looks again', async () => {
    let release!: () => void
    let full = true
    const leave = joinSinkRegistry({
      name: 'full',
      drain: async () => {},
      ready: () => (full ? new Promise<void>((r) => (release = r)) : undefined),
    })
    try {
      const wait = sinksReady()
      expect(wait).to.be.instanceOf(Promise)
      let done = false
      void wait!.then(() => (done = true))
      await new Promise((r) => setImmediate(r))
      expect(done).to.equal(false)
      full = false
      release()
      await wait
      expect(done).to.equal(true)
    } finally {
      leave()
    }
  })
})
