import { diffLines, diffStats, sideBySide, unifiedDiff } from './line-diff';

describe('diffLines', () => {
  it('keeps common lines and marks what was removed and added, with line numbers on each side', () => {
    const lines = diffLines('a\nb\nc\nd', 'a\nc\nx\nd\ne');
    expect(lines).toEqual([
      { kind: 'same', text: 'a', oldLine: 1, newLine: 1 },
      { kind: 'removed', text: 'b', oldLine: 2 },
      { kind: 'same', text: 'c', oldLine: 3, newLine: 2 },
      { kind: 'added', text: 'x', newLine: 3 },
      { kind: 'same', text: 'd', oldLine: 4, newLine: 4 },
      { kind: 'added', text: 'e', newLine: 5 },
    ]);
    expect(diffStats(lines)).toEqual({ added: 2, removed: 1 });
    expect(unifiedDiff(lines)).toBe('  a\n- b\n  c\n+ x\n  d\n+ e');
  });

  it('finds the longest common run, not the first match', () => {
    const lines = diffLines('x\na\nb\nc', 'a\nb\nc\nx');
    expect(lines.filter((l) => l.kind === 'same').map((l) => l.text)).toEqual(['a', 'b', 'c']);
  });

  it('handles empty sides and identical texts', () => {
    expect(diffLines('', 'a\nb').map((l) => l.kind)).toEqual(['added', 'added']);
    expect(diffLines('a', '').map((l) => l.kind)).toEqual(['removed']);
    expect(diffStats(diffLines('same\ntext', 'same\ntext'))).toEqual({ added: 0, removed: 0 });
    expect(diffLines('a\r\nb', 'a\nb').every((l) => l.kind === 'same')).toBe(true);
  });

  it('pairs a removed run with the added run after it for the side-by-side view', () => {
    const rows = sideBySide(diffLines('a\nold1\nold2\nz', 'a\nnew1\nz'));
    expect(rows).toEqual([
      { kind: 'same', left: { line: 1, text: 'a' }, right: { line: 1, text: 'a' } },
      { kind: 'changed', left: { line: 2, text: 'old1' }, right: { line: 2, text: 'new1' } },
      { kind: 'removed', left: { line: 3, text: 'old2' }, right: null },
      { kind: 'same', left: { line: 4, text: 'z' }, right: { line: 3, text: 'z' } },
    ]);
  });
});
