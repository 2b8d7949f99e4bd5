/**
 * A reload the live feed asks for, run `ms` after the first ask: asks while one waits join
 * it, so a burst of feed messages reads the page's data once.
 */
export function coalescedReload(ms: number, reload: () => void): { ask(): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    ask: () => {
      if (timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        reload();
      }, ms);
    },
    cancel: () => clearTimeout(timer),
  };
}

/**
 * A load that never runs twice at once: one asked for while one runs starts when that one
 * ends (once, however often it was asked), unless the page has stopped by then.
 */
export function oneAtATime(load: () => Promise<void>, stopped: () => boolean): () => Promise<void> {
  let loading = false;
  let again = false;
  const run = async () => {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      await load();
    } finally {
      loading = false;
      if (again && !stopped()) {
        again = false;
        void run();
      }
    }
  };
  return run;
}

/**
 * A page's body read again every `ms`: `read` fetches, `render` draws into `body`, an error
 * shows in its place; the returned cleanup stops the reads (the page was left).
 */
export function polledBody<T>(
  body: HTMLElement,
  ms: number,
  read: () => Promise<T>,
  render: (data: T) => Node[],
  error: (e: unknown) => Node,
): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const load = async () => {
    try {
      const data = await read();
      if (!stopped) body.replaceChildren(...render(data));
    } catch (e) {
      if (!stopped) body.replaceChildren(error(e));
    }
    if (!stopped) timer = setTimeout(() => void load(), ms);
  };
  void load();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
