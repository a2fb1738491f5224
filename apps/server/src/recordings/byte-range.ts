import type { RecordingByteRange } from '@tero/telephony';

/**
 * A `Range` header as a recording player sends it: one range of bytes (`bytes=0-`, `bytes=100-199`,
 * `bytes=-500`). Anything else — another unit, several ranges, bad syntax — is null: the whole file is
 * sent (RFC 9110 lets a server ignore a range it does not serve). Whether the range fits the file is
 * the recording's own check (416).
 */
export function parseByteRange(header: string | string[] | undefined): RecordingByteRange | null {
  if (typeof header !== 'string') return null;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return null;
  const [, first, last] = match;
  const safe = (digits: string) => (digits.length <= 15 ? Number(digits) : Number.MAX_SAFE_INTEGER);
  if (first === '' && last === '') return null;
  if (first === '') return { suffix: safe(last!) };
  const start = safe(first!);
  if (last === '') return { start };
  const end = safe(last!);
  return end < start ? null : { start, end };
}
