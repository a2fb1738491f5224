/**
 * Whether two phone numbers as people write them are the same line: digits only, leading zeros dropped
 * (a trunk prefix), and a country code may be missing on one side (`+1 555 010 2030` = `(555) 010-2030`,
 * `+33 6 12 34 56 78` = `06 12 34 56 78`). The shorter must keep 8 digits, so short fragments match nothing.
 */
export function samePhone(a: string, b: string): boolean {
  const [x, y] = [significantDigits(a), significantDigits(b)].sort((p, q) => p.length - q.length) as [string, string];
  if (x.length === 0) return false;
  return x === y || (x.length >= 8 && y.endsWith(x));
}

function significantDigits(phone: string): string {
  return phone.replace(/\D/g, '').replace(/^0+/, '');
}
