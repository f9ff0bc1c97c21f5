/** Public types of the client SDK. */
import type { WireError } from '../protocol/index.js';

export interface RosterParticipant {
  readonly id: string;
  readonly role: string;
  readonly capabilities: string[];
  readonly displayName: string;
  /** Unix milliseconds. */
  readonly joinedAt: number;
}

export interface ChatEvent {
  readonly from: string;
  readonly text: string;
  /** 'everyone', 'one' (a direct message to you) or 'hosts'. */
  readonly audience: 'everyone' | 'one' | 'hosts';
  readonly seq: number;
  readonly sentAt: number;
}

export interface RosterEvent {
  readonly change: 'joined' | 'left' | 'updated';
  readonly participant: RosterParticipant;
  readonly reason: string;
}

export interface ErrorEvent {
  readonly code: string;
  readonly message: string;
  readonly closeCode: number;
  readonly ref: number;
}

export interface CloseEvent {
  readonly code: number;
  readonly reason: string;
}

export interface HostControlEvent {
  readonly from: string;
  readonly action: 'end_meeting' | 'remove' | 'lock' | 'unlock' | 'ask_mute' | 'promote' | 'demote';
  readonly target: string;
  readonly bar: boolean;
  readonly track: number;
}

export interface TrackEvent {
  readonly publisher: string;
  readonly id: number;
  readonly source: 'audio' | 'video' | 'screen';
  readonly codec: string;
}

export interface MediaEvent {
  readonly from: string;
  readonly track: number;
  readonly keyframe: boolean;
  readonly timestamp: number;
  readonly audioLevel: number;
  readonly seq: number;
  /** The frame's bytes (a view valid until the next event; copy to keep). */
  readonly payload: Uint8Array;
}

export type { WireError };
