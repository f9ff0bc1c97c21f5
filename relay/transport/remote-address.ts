/**
 * Remote addresses as one canonical text on both transports: IPv4 dotted, IPv4-mapped IPv6 (`::ffff:a.b.c.d`,
 * what a dual-stack listener reports for IPv4 peers) as plain IPv4, other IPv6 in RFC 5952 form (lower-case,
 * longest zero run as `::`), the form Node's `socket.remoteAddress` uses. uWS's getRemoteAddressAsText() prints
 * IPv6 uncompressed, so the uWS transport formats the binary address itself.
 */

const MAPPED_PREFIX = '::ffff:';

/** Formats a binary address (4 or 16 bytes, network order); any other length gives ''. */
export function addressFromBinary(binary: ArrayBuffer): string {
  const b = new Uint8Array(binary);
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) return '';
  let mapped = b[10] === 0xff && b[11] === 0xff;
  for (let i = 0; i < 10 && mapped; i++) if (b[i] !== 0) mapped = false;
  if (mapped) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
  // RFC 5952 4.2: compress the longest run of two or more zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number): string => g.toString(16);
  if (bestStart < 0) return groups.map(hex).join(':');
  return `${groups.slice(0, bestStart).map(hex).join(':')}::${groups.slice(bestStart + bestLen).map(hex).join(':')}`;
}

/** Normalises Node's `socket.remoteAddress`: IPv4-mapped IPv6 becomes IPv4; undefined (socket gone) becomes ''. */
export function normalizeAddress(text: string | undefined): string {
  if (text === undefined) return '';
  if (text.startsWith(MAPPED_PREFIX) && text.indexOf('.') > 0) return text.slice(MAPPED_PREFIX.length);
  return text;
}
