// The per-item locks of change capture (change-capture.mjs): a write's images are read, and
// its record made, while it holds the locks of the items it touches.
// Plain JavaScript: dynalite's worker thread loads it without the TypeScript loader.

export class ItemLocks {
  /** Each held item's tail: the promise its last waiter resolves when it lets go. */
  #locks = new Map();

  /** Runs `work` holding the locks of these items, taken in one order so that two batches never wait on each other. */
  async withLocks(names, work) {
    const locks = this.#locks;
    const sorted = [...new Set(names)].sort();
    const releases = [];
    for (const name of sorted) {
      const previous = locks.get(name) ?? Promise.resolve();
      let release;
      const held = new Promise((resolve) => {
        release = resolve;
      });
      const tail = previous.then(() => held);
      locks.set(name, tail);
      await previous;
      releases.push(() => {
        release();
        if (locks.get(name) === tail) locks.delete(name);
      });
    }
    try {
      return await work();
    } finally {
      for (const release of releases) release();
    }
  }
}
