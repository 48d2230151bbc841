/**
 * Tests that need infrastructure (a broker, a native library) call this with what
 * they found. With CI=true a missing piece fails the test; without it, the test is
 * reported pending with the reason. Nothing is silently skipped.
 */
export function requireInfra(ctx: Mocha.Context, available: boolean, reason: string): void {
  if (available) return
  if (process.env.CI === 'true') throw new Error(`infrastructure missing under CI=true: ${reason}`)
  ctx.test!.title += ` (pending: ${reason})`
  ctx.skip()
}
