/** Ids that participants choose (poll ids, transfer ids): 1 to 128 characters, forwarded as metadata. */
export const MAX_LANE_ID_LENGTH = 128;

export function isLaneId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_LANE_ID_LENGTH;
}
