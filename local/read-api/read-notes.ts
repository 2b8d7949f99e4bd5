/**
 * The notes services tell the read API (`readApi.record(kind, note)`), by kind: the module that
 * records a kind adds it here with its note (declaration merging, as for ServiceTypes) and
 * declares in `records` how it is recorded, so that the read API knows no service by name. Its
 * own file, importing nothing: the service contract (services/service-module.ts) and the read
 * API both read it, and neither imports the other for it.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging in each local/<service>/module.ts
export interface ReadNotes {}

export type ReadNoteKind = keyof ReadNotes & string;

/** How a module records its kinds of ReadNotes: a function for each. */
export type ReadRecording = { readonly [K in ReadNoteKind]?: (note: ReadNotes[K]) => void };
