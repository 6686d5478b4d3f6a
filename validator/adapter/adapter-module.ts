/**
 * The user's adapter module (adapter.ts): without ADAPTER there is none. `make bundle ADAPTER=path.ts`
 * (build/bundle.ts) replaces this file's contents with the module at that path and its name.
 */
export const adapterModule: Record<string, unknown> = {};
/** The ADAPTER path as given, for messages; '' without an adapter. */
export const adapterSource: string = '';
