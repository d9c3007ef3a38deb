/** A local emulator process or server, started by one of the `start*` functions in this folder. */
export interface LocalServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly endpoint: string;
  readonly port: number;
  /** Milliseconds from start to answering requests. */
  readonly startupMs: number;
  /** Stops it and releases the port; safe to call twice. */
  stop(): Promise<void>;
}
