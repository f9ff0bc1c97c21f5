/**
 * Wiping content the relay owns once it is done with it (promise 1 of the brief: relay-owned buffers are zeroed
 * after use where the relay can). The garbage collector frees buffers without clearing them, and the C allocator
 * hands freed memory back unchanged, so bytes that are not wiped stay readable in the process's memory until
 * something else happens to reuse that memory.
 *
 * Who calls it:
 * - the transports, on every received message once the core's message handler returned (uws and ws);
 * - the ws transport, on every frame it built once the kernel has taken all of it (ws-connection.ts);
 * - the meeting core, on every frame it encoded once `send`/`publish` returned: both transports copy the bytes
 *   before returning, so the caller's buffer is free at once. The lanes are the callers: see SECURITY.md.
 */

/**
 * Overwrites `bytes` with zeros (no-op for an empty or detached view). Call it only on bytes nobody reads any more:
 * after `Connection.send`/`publish` or `Transport.publish` returned, never on a received message's data inside the
 * message handler (the transport wipes it after the handler).
 */
export function zeroBytes(bytes: Uint8Array): void {
  if (bytes.byteLength !== 0) bytes.fill(0);
}
