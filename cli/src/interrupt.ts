/**
 * Ctrl-C during a wait: abort the wait (not the process) so the command can
 * say what is still running and how to stop it. A second Ctrl-C exits at once.
 */

/** An abort signal fired by the first SIGINT while it is in use. */
export interface InterruptListener {
  readonly signal: AbortSignal;
  dispose(): void;
}

/** Listens for SIGINT (and SIGTERM) until disposed. */
export function listenForInterrupt(proc: NodeJS.Process = process): InterruptListener {
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted'));
  proc.once('SIGINT', onSignal);
  proc.once('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      proc.removeListener('SIGINT', onSignal);
      proc.removeListener('SIGTERM', onSignal);
    },
  };
}
