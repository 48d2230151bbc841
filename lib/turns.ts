/**
 * A gate for giving the event loop a turn (a `setImmediate`) at most every `ms`:
 * each call returns a promise of the next turn when one is due (and counts it as
 * taken), else undefined. `Infinity` never turns; 0 turns on every call. Starts due
 * once `ms` has passed since `since` (default: due at once). A clock set back (as a
 * test's can be) counts as due.
 */
export function turnGate(ms: number, since = -Infinity): () => Promise<void> | undefined {
  let last = since
  return () => {
    if (ms === Infinity) return undefined
    const now = performance.now()
    if (now >= last && now - last < ms) return undefined
    last = now
    return new Promise<void>((resolve) => setImmediate(resolve))
  }
}
