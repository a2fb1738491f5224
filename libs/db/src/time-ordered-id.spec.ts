import { timeOrderedId } from './time-ordered-id';

describe('timeOrderedId', () => {
  it('is a version 7 UUID whose first 48 bits are the time in milliseconds', () => {
    const at = Date.UTC(2026, 2, 9, 15, 4, 5, 678);
    const id = timeOrderedId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it('sorts by creation time as text, and differs within one millisecond', () => {
    const earlier = timeOrderedId(1_700_000_000_000);
    const later = timeOrderedId(1_700_000_000_001);
    expect(earlier < later).toBe(true);
    const sameMs = new Set(Array.from({ length: 1000 }, () => timeOrderedId(1_700_000_000_000)));
    expect(sameMs.size).toBe(1000);
  });

  it('draws every random digit, the variant\'s among 8, 9, a and b, and keeps ids made earlier as they were', () => {
    const first = timeOrderedId(1_700_000_000_000);
    const copy = `${first}`;
    // 2,000 ids use 20,000 random bytes: the buffered ones are drawn again several times over.
    const ids = Array.from({ length: 2000 }, () => timeOrderedId(1_700_000_000_000));
    expect(first).toBe(copy);
    for (const id of ids) expect(id).toMatch(/^018bcfe5-6800-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids.map((id) => id[19])).size).toBe(4);
    for (const position of [15, 16, 17, 20, 21, 22, 24, 29, 35]) expect(new Set(ids.map((id) => id[position])).size).toBe(16);
  });
});
