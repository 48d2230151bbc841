/**
 * Tests that need infrastructure (a broker, a native library) call this with what
 * they found. With CI=true a missing piece fails the test; without it, the test (or,
 * from a `before` hook, the whole suite) is reported pending with the reason (in the
 * test's title, or on a line of the report). Nothing is silently skipped.
 */
export function requireInfra(ctx: Mocha.Context, available: boolean, reason: string): void {
  if (available) return
  if (process.env.CI === 'true') throw new Error(`infrastructure missing under CI=true: ${reason}`)
  const runnable = ctx.test!
  if ((runnable as Mocha.Runnable & { type?: string }).type === 'hook') {
    // A before-all hook: its suite's tests all become pending; say why once, in the report.
    process.stdout.write(`      (pending: ${reason})\n`)
  } else {
    runnable.title += ` (pending: ${reason})`
  }
  ctx.skip()
}
