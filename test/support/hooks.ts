// Mocha root hooks (loaded through .mocharc's `require`).
import { joinSinkRegistry, openSinks } from '../../lib/sinks/registry.js'
import { stopKafkaIfStartedHere } from './kafka.js'

export async function mochaGlobalTeardown(): Promise<void> {
  await stopKafkaIfStartedHere()
}

export const mochaHooks = {
  // A sink or window left in the registry by one test would show up in the next test's
  // drainOpenSinks report: each test leaves the registry as it found it.
  afterEach(this: Mocha.Context): void {
    const left = openSinks()
    if (left.length === 0) return
    for (const sink of left) joinSinkRegistry(sink)() // take them out, so one leak fails one test
    ;(this.currentTest as unknown as { error(err: Error): void } | undefined)?.error(new Error(`left in the sink registry: ${left.map((s) => s.name).join(', ')}`))
  },
}
