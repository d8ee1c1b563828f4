/** A check waiting for its next run. `dueAt` is the planned start, in ms since epoch. */
export interface ScheduledCheck {
  objectId: string;
  dueAt: number;
  /** Position in the heap, kept so a check can be moved or removed in O(log n). -1 when not queued. */
  heapIndex: number;
}

/** Binary min-heap of checks by due time: the scheduler's run queue. */
export class ScheduleHeap {
  private readonly items: ScheduledCheck[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): ScheduledCheck | undefined {
    return this.items[0];
  }

  push(item: ScheduledCheck): void {
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.up(item.heapIndex);
  }

  pop(): ScheduledCheck | undefined {
    const top = this.items[0];
    if (top) this.removeAt(0);
    return top;
  }

  remove(item: ScheduledCheck): void {
    if (item.heapIndex >= 0 && this.items[item.heapIndex] === item) this.removeAt(item.heapIndex);
  }

  private removeAt(index: number): void {
    const removed = this.items[index] as ScheduledCheck;
    const last = this.items.pop() as ScheduledCheck;
    removed.heapIndex = -1;
    if (index < this.items.length) {
      this.items[index] = last;
      last.heapIndex = index;
      this.down(index);
      this.up(last.heapIndex);
    }
  }

  private up(index: number): void {
    const items = this.items;
    const item = items[index] as ScheduledCheck;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex] as ScheduledCheck;
      if (parent.dueAt <= item.dueAt) break;
      items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    items[index] = item;
    item.heapIndex = index;
  }

  private down(index: number): void {
    const items = this.items;
    const length = items.length;
    const item = items[index] as ScheduledCheck;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child =
        right < length && (items[right] as ScheduledCheck).dueAt < (items[left] as ScheduledCheck).dueAt
          ? right
          : left;
      const childItem = items[child] as ScheduledCheck;
      if (childItem.dueAt >= item.dueAt) break;
      items[index] = childItem;
      childItem.heapIndex = index;
      index = child;
    }
    items[index] = item;
    item.heapIndex = index;
  }
}
