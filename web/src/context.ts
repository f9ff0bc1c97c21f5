/** What the panels of the meeting view share: the client and a few lookups. */
import type { EphemeraClient } from 'ephemera/client';

export interface MeetingContext {
  readonly client: EphemeraClient;
  /** A participant's display name (or id). */
  nameOf(participantId: string): string;
  /** Your role now (promotion changes it). */
  role(): string;
  /** Announces a short message to screen readers and in the status line. */
  announce(message: string): void;
  /** Called whenever the roster or your role changes. */
  onRosterChange(listener: () => void): void;
}

/** Can you open polls? Hosts and presenters with the poll capability (hosts hold every capability). */
export function canOpenPolls(ctx: MeetingContext): boolean {
  const role = ctx.role();
  return role === 'host' || (role === 'presenter' && ctx.client.you.capabilities.includes('poll'));
}
