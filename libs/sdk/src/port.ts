/**
 * A typed key naming one extension point. The type parameter carries the interface a provider of this
 * port implements, so that `registry.get(EMAIL, ctx, id)` returns an `EmailTransport`.
 */
export interface PortToken<T> {
  readonly id: string;
  /** Bumped on a breaking change of the interface; a plugin built for another version is refused. */
  readonly version: number;
  /** Phantom field carrying the interface type; never set at run time. */
  readonly __type?: T;
}

/** Declares a port. Port ids are short nouns: `email`, `payment`, `voice`. */
export function definePort<T>(id: string, version: number): PortToken<T> {
  return Object.freeze({ id, version });
}
