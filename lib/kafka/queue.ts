/**
 * A FIFO of messages, each with the time by which it must be delivered, that knows
 * its byte size. Taking from the front is O(taken), not O(length), so a deep buffer
 * costs nothing per batch.
 */
export class MessageQueue {
  private items: Buffer[] = []
  private deadlines: number[] = []
  private head = 0
  /** Bytes of the messages queued. */
  bytes = 0

  /** Messages queued. */
  get length(): number {
    return this.items.length - this.head
  }

  /** Adds a message at the back. */
  push(message: Buffer, deadline: number): void {
    this.items.push(message)
    this.deadlines.push(deadline)
    this.bytes += message.byteLength
  }

  /** Puts messages back at the front, in order (a batch to retry). */
  unshift(messages: Buffer[], deadline: number): void {
    this.items = messages.concat(this.items.slice(this.head))
    this.deadlines = new Array<number>(messages.length).fill(deadline).concat(this.deadlines.slice(this.head))
    this.head = 0
    for (const m of messages) this.bytes += m.byteLength
  }

  /** Removes the oldest message; returns whether there was one. */
  dropOldest(): boolean {
    if (this.head >= this.items.length) return false
    this.bytes -= this.items[this.head]!.byteLength
    this.head++
    this.compact()
    return true
  }

  /**
   * Removes up to `maxCount` messages from the front, stopping before `maxBytes`
   * would be passed (always at least one).
   *
   * @returns the messages and the earliest deadline among them
   */
  take(maxCount: number, maxBytes: number): { messages: Buffer[]; deadline: number } {
    const start = this.head
    let end = start
    let bytes = 0
    let deadline = Infinity
    while (end < this.items.length && end - start < maxCount) {
      const size = this.items[end]!.byteLength
      if (end > start && bytes + size > maxBytes) break
      bytes += size
      deadline = Math.min(deadline, this.deadlines[end]!)
      end++
    }
    const messages = this.items.slice(start, end)
    this.head = end
    this.bytes -= bytes
    this.compact()
    return { messages, deadline }
  }

  /** Removes everything; returns how many messages there were. */
  clear(): number {
    const count = this.length
    this.items = []
    this.deadlines = []
    this.head = 0
    this.bytes = 0
    return count
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.clear()
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.deadlines = this.deadlines.slice(this.head)
      this.head = 0
    }
  }
}
