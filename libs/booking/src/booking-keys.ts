/**
 * Idempotency keys. A hold's key is `<holder>:<serviceId>:<start ISO>`, so a call that holds the same slot
 * twice gets the same booking, and the booking it confirms carries the agent's key.
 */
export function holdKey(holder: string, serviceId: string, start: Date): string {
  return `${holder}:${serviceId}:${start.toISOString()}`;
}

/** The key of an agent's booking: `call:<sid>:<serviceId>:<start ISO>`, one booking per call and slot. */
export function agentBookingKey(callSid: string, serviceId: string, start: Date): string {
  return holdKey(`call:${callSid}`, serviceId, start);
}
