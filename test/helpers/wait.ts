/**
 * Waits for a state inside the server that no socket event announces (a
 * follower closed, a slot freed). It yields to the event loop between checks;
 * it is not a sleep standing in for an event.
 */
export async function waitUntil(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
