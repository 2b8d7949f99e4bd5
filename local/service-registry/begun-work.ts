import type { BeginSettings, Begun, RegisteredModule } from './service-module.js';

/**
 * What the modules began before the template was known (their `begin`), each until its
 * module's service is created with it, or abandoned when the start ends before that (the
 * assembly failed, another service failed to start). The registry holds one.
 */
export class BegunWork {
  readonly #work = new Map<string, Promise<Begun<unknown>>>();
  #begun = false;

  /** Begins every module's `begin`, once; `folder` checks that the module declares the folder it asks for. */
  begin(modules: readonly RegisteredModule[], settings: BeginSettings, folder: (module: RegisteredModule, name: string) => string): void {
    if (this.#begun) return;
    this.#begun = true;
    for (const module of modules) {
      const { begin } = module;
      if (begin === undefined) continue;
      // Deferred a turn: a begin that throws at once fails its create, as one that rejects does.
      const work = Promise.resolve().then(() => begin.call(module, { settings, folder: (name) => folder(module, name) }));
      // Its failure is its create's (take awaits it), or nobody's once the start has ended before it (abandon).
      work.catch(() => {});
      this.#work.set(module.name, work);
    }
  }

  /** What `module`'s begin began, for its create (undefined without one); its failure is thrown here. */
  async take(module: RegisteredModule): Promise<unknown> {
    const work = this.#work.get(module.name);
    if (work === undefined) return undefined;
    this.#work.delete(module.name);
    return (await work).value;
  }

  /** Abandons what no create took, each once it has begun; a begin that failed has nothing to undo. */
  async abandon(): Promise<void> {
    const left = [...this.#work.values()];
    this.#work.clear();
    const errors: unknown[] = [];
    for (const work of left) {
      const begun = await work.catch(() => undefined);
      try {
        await begun?.abandon();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0)
      throw new AggregateError(errors, `${errors.length} service(s) begun before the start failed could not be stopped`);
  }
}
