/** Keeps the thread busy for `ms` milliseconds without yielding: a synchronous training step. */
export function spin(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until);
}
