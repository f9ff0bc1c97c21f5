/**
 * The participant tiles: one per participant (camera video or initials, name, role, microphone state and a
 * speaking indicator) and one per screen share. One tile is in focus: a screen share if there is one, else the
 * active speaker.
 */
import { h } from './dom.js';

export type TileSource = 'camera' | 'screen';

/** One tile's parts. */
export interface Tile {
  readonly key: string;
  readonly participantId: string;
  readonly source: TileSource;
  readonly el: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly name: HTMLElement;
  readonly role: HTMLElement;
  readonly mic: HTMLElement;
  readonly speaking: HTMLElement;
  /** Holds the host menu (empty for others). */
  readonly menu: HTMLElement;
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter((p) => p !== '');
  return ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? '')).toUpperCase();
}

export class TileGrid {
  readonly el = h('div', { class: 'tiles', id: 'tiles' });
  private readonly tiles = new Map<string, Tile>();
  private speaker = '';
  private pinnedKey = '';

  static key(participantId: string, source: TileSource): string {
    return `${participantId}/${source}`;
  }

  get(participantId: string, source: TileSource): Tile | undefined {
    return this.tiles.get(TileGrid.key(participantId, source));
  }

  /** Adds a tile (or returns the one there). `local` marks your own. */
  add(participantId: string, source: TileSource, displayName: string, role: string, local: boolean): Tile {
    const key = TileGrid.key(participantId, source);
    const existing = this.tiles.get(key);
    if (existing !== undefined) return existing;
    const label = source === 'screen' ? `${displayName}'s screen` : local ? `${displayName} (you)` : displayName;
    const canvas = h('canvas', { class: 'video', width: 320, height: 180, role: 'img', 'aria-label': source === 'screen' ? `Screen shared by ${displayName}` : `Video of ${displayName}` });
    const name = h('span', { class: 'name' }, label);
    const roleEl = h('span', { class: 'role' }, role);
    const mic = h('span', { class: 'mic', 'data-muted': 'true' }, 'muted');
    const speaking = h('span', { class: 'speaking-badge' }, 'speaking');
    const menu = h('span', { class: 'menu-holder' });
    const el = h(
      'figure',
      {
        class: `tile ${source}${local ? ' local' : ''} no-video`,
        'data-participant': participantId,
        'data-source': source,
        'data-video-frames': '0',
        'data-audio-frames': '0',
      },
      h('div', { class: 'avatar', 'aria-hidden': 'true' }, initials(displayName)),
      canvas,
      h('figcaption', {}, name, source === 'camera' ? roleEl : null, source === 'camera' ? mic : null, source === 'camera' ? speaking : null, menu),
    );
    const tile: Tile = { key, participantId, source, el, canvas, name, role: roleEl, mic, speaking, menu };
    this.tiles.set(key, tile);
    this.el.append(el);
    this.layout();
    return tile;
  }

  remove(participantId: string, source: TileSource): void {
    const key = TileGrid.key(participantId, source);
    this.tiles.get(key)?.el.remove();
    this.tiles.delete(key);
    this.layout();
  }

  removeParticipant(participantId: string): void {
    this.remove(participantId, 'camera');
    this.remove(participantId, 'screen');
  }

  /** The relay's active speakers, loudest first. */
  setSpeakers(ids: readonly string[]): void {
    for (const t of this.tiles.values()) {
      if (t.source !== 'camera') continue;
      const on = ids.includes(t.participantId);
      t.el.classList.toggle('is-speaking', on);
      t.speaking.textContent = on ? 'speaking' : '';
    }
    this.speaker = ids[0] ?? '';
    this.layout();
  }

  /** Puts a tile in focus by hand ('' returns to automatic). */
  pin(key: string): void {
    this.pinnedKey = this.pinnedKey === key ? '' : key;
    this.layout();
  }

  /** Re-evaluates which tile is in focus: pinned, else a remote screen share, else the active speaker. */
  layout(): void {
    let focus: Tile | undefined = this.tiles.get(this.pinnedKey);
    if (focus === undefined) for (const t of this.tiles.values()) if (t.source === 'screen' && !t.el.classList.contains('local')) focus = t;
    if (focus === undefined) for (const t of this.tiles.values()) if (t.source === 'screen') focus = t;
    if (focus === undefined && this.speaker !== '') focus = this.tiles.get(TileGrid.key(this.speaker, 'camera'));
    for (const t of this.tiles.values()) {
      const on = t === focus;
      t.el.classList.toggle('focus', on);
      if (on) t.el.setAttribute('aria-current', 'true');
      else t.el.removeAttribute('aria-current');
    }
    this.el.classList.toggle('has-focus', focus !== undefined);
    this.el.dataset.count = String(this.tiles.size);
  }
}
