/**
 * Whether the process is draining: set once on SIGTERM. While draining, /readyz answers 503 and every
 * HTTP response carries `Connection: close`; requests and WebSockets are still served.
 */
export class DrainState {
  #draining = false;

  get draining(): boolean {
    return this.#draining;
  }

  start(): void {
    this.#draining = true;
  }
}
