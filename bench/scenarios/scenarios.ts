/**
 * The scenarios. Offered load per step is in deliveries per second (a frame fanned out to 9 others is 9).
 * Levels top out around where one load-generator core saturates (~150-200k small deliveries/s); the report
 * shows the generator's own CPU so a client-bound step is visible.
 */
import type { Scenario } from './scenario.types.js';

export const SCENARIOS: readonly Scenario[] = Object.freeze([
  {
    kind: 'traffic',
    name: 'conference',
    summary: '10-person meetings, everyone sends 100-byte audio-like frames at 50/s',
    meetingSize: 10,
    sendersPerMeeting: 10,
    payloadBytes: 100,
    lane: 'audio',
    burst: 1,
    levels: {
      // 4,500 deliveries/s per meeting.
      full: [10, 20, 30, 40, 50, 60].map((meetings) => ({ meetings, ratePerSender: 50 })),
      quick: [10, 20].map((meetings) => ({ meetings, ratePerSender: 50 })),
    },
  },
  {
    kind: 'traffic',
    name: 'video',
    summary: '8-person meetings, everyone sends 4 KB frames at 30/s',
    meetingSize: 8,
    sendersPerMeeting: 8,
    payloadBytes: 4096,
    lane: 'video',
    burst: 1,
    levels: {
      // 1,680 deliveries/s (6.9 MB/s) per meeting.
      full: [4, 8, 16, 24, 32, 48].map((meetings) => ({ meetings, ratePerSender: 30 })),
      quick: [4, 12].map((meetings) => ({ meetings, ratePerSender: 30 })),
    },
  },
  {
    kind: 'traffic',
    name: 'webinar',
    summary: '1 publisher, 1,000 receivers, 100-byte frames; the step raises the publish rate',
    meetingSize: 1001,
    sendersPerMeeting: 1,
    payloadBytes: 100,
    lane: 'audio',
    burst: 1,
    levels: {
      full: [20, 50, 100, 150, 200, 300].map((ratePerSender) => ({ meetings: 1, ratePerSender })),
      quick: [20, 100].map((ratePerSender) => ({ meetings: 1, ratePerSender })),
    },
  },
  {
    kind: 'traffic',
    name: 'chat-storm',
    summary: '20-person meetings on the reliable lane, everyone sends bursts of 10 200-byte messages twice a second',
    meetingSize: 20,
    sendersPerMeeting: 20,
    payloadBytes: 200,
    lane: 'reliable',
    burst: 10,
    levels: {
      // 7,600 deliveries/s per meeting, in bursts.
      full: [2, 4, 8, 12, 16, 24].map((meetings) => ({ meetings, ratePerSender: 2 })),
      quick: [2, 6].map((meetings) => ({ meetings, ratePerSender: 2 })),
    },
  },
  {
    kind: 'join',
    name: 'join-storm',
    summary: 'connections per second including the handshake (Ephemera: token verification and WELCOME)',
    meetingSize: 10,
    // One load core opens about 1,500 `ws` connections/s at most (~600 us of client CPU each).
    levels: { full: [250, 500, 750, 1000, 1500, 2000], quick: [300, 1000] },
  },
  {
    kind: 'webinar-join',
    name: 'webinar-join',
    summary: '10,000 attendees join one meeting (1,000 joins/s, then faster) while a presenter sends audio+video and a host chats',
    attendees: { full: 10_000, quick: 1_000 },
    levels: { full: [1000, 1500, 2000, 3000, 4000], quick: [500, 1000] },
    observers: 20,
    presenter: { audioBytes: 100, audioPerSec: 50, videoBytes: 4096, videoPerSec: 30 },
    chatPerSec: 2,
    joinP99LimitMs: 200,
    presenterP99LimitMs: 50,
  },
  {
    kind: 'idle',
    name: 'idle',
    summary: 'memory per idle connection (marginal RSS from N/2 to N after settling and a forced GC), 10-person meetings, source addresses spread over 127.0.0.x',
    meetingSize: 10,
    connections: { full: 10_000, quick: 1_000 },
  },
]);

export const SCENARIO_NAMES: readonly string[] = SCENARIOS.map((s) => s.name);
