/**
 * The close-code and error-code tables of protocol/README.md, rendered from the registry (codes.ts). A unit test
 * (test/unit/protocol-readme.test.ts) holds the README to exactly these tables, so the documented contract and the
 * codes the relay sends cannot drift apart.
 */
import { CloseCodeSpecs, ErrorCodes, type CloseCode } from './codes.js';

/** The close-code table (code, name, when), in registry order. */
export function closeCodesTableMarkdown(): string {
  const rows = Object.entries(CloseCodeSpecs).map(([code, spec]) => `| ${code} | ${spec.name} | ${spec.when} | ${spec.clientDoes} |`);
  // Object.entries lists integer keys in ascending order, which is the order the README wants.
  return ['| code | name | when | what the client does |', '|---|---|---|---|', ...rows].join('\n');
}

/** The error-code table (code, close code or "-", HTTP status or "-", sentence), in registry order. */
export function errorCodesTableMarkdown(): string {
  const rows = Object.entries(ErrorCodes).map(
    ([code, spec]) => `| \`${code}\` | ${spec.close === 0 ? '-' : spec.close} | ${spec.http === 0 ? '-' : spec.http} | ${spec.message} |`,
  );
  return ['| code | close code | HTTP status | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** Every close code of the registry (for contract tests). */
export function closeCodes(): CloseCode[] {
  return Object.keys(CloseCodeSpecs).map(Number) as CloseCode[];
}
