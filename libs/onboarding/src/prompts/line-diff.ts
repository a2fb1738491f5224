/**
 * A line diff between two versions of a prompt: the longest common subsequence of their lines, then the
 * lines only one side has. Prompts are a few hundred lines at most (a size limit holds them), so the
 * quadratic table is small; beyond {@link MAX_DIFF_CELLS} the common head and tail are still matched and
 * the middle is shown as removed then added, rather than spending memory on it.
 */

export type DiffLine =
  | { kind: 'same'; text: string; oldLine: number; newLine: number }
  | { kind: 'removed'; text: string; oldLine: number }
  | { kind: 'added'; text: string; newLine: number };

/** Lines × lines above which the middle part is not aligned. */
export const MAX_DIFF_CELLS = 4_000_000;

/** The lines of `before` and `after` in order, each kept, removed or added. */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;

  const out: DiffLine[] = [];
  for (let i = 0; i < head; i++) out.push({ kind: 'same', text: a[i]!, oldLine: i + 1, newLine: i + 1 });
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  for (const line of middle(midA, midB)) {
    if (line.kind === 'same') out.push({ ...line, oldLine: line.oldLine + head, newLine: line.newLine + head });
    else if (line.kind === 'removed') out.push({ ...line, oldLine: line.oldLine + head });
    else out.push({ ...line, newLine: line.newLine + head });
  }
  for (let i = 0; i < tail; i++) {
    const oldLine = a.length - tail + i + 1;
    const newLine = b.length - tail + i + 1;
    out.push({ kind: 'same', text: a[oldLine - 1]!, oldLine, newLine });
  }
  return out;
}

/** The diff as unified text: `  ` kept, `- ` removed, `+ ` added. */
export function unifiedDiff(lines: readonly DiffLine[]): string {
  return lines.map((line) => `${line.kind === 'same' ? ' ' : line.kind === 'removed' ? '-' : '+'} ${line.text}`).join('\n');
}

/** How many lines were added and removed. */
export function diffStats(lines: readonly DiffLine[]): { added: number; removed: number } {
  return {
    added: lines.filter((line) => line.kind === 'added').length,
    removed: lines.filter((line) => line.kind === 'removed').length,
  };
}

function splitLines(text: string): string[] {
  return text.length === 0 ? [] : text.replace(/\r\n?/g, '\n').split('\n');
}

/** LCS over the lines between the common head and tail; 1-based line numbers within `a` and `b`. */
function middle(a: string[], b: string[]): DiffLine[] {
  if (a.length * b.length > MAX_DIFF_CELLS) {
    return [...a.map((text, i): DiffLine => ({ kind: 'removed', text, oldLine: i + 1 })), ...b.map((text, j): DiffLine => ({ kind: 'added', text, newLine: j + 1 }))];
  }
  // lengths[i][j]: LCS length of a[i..] and b[j..], in one flat array.
  const width = b.length + 1;
  const lengths = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i * width + j] = a[i] === b[j] ? lengths[(i + 1) * width + j + 1]! + 1 : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i]!, oldLine: i + 1, newLine: j + 1 });
      i++;
      j++;
    } else if (lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!) {
      out.push({ kind: 'removed', text: a[i]!, oldLine: i + 1 });
      i++;
    } else {
      out.push({ kind: 'added', text: b[j]!, newLine: j + 1 });
      j++;
    }
  }
  for (; i < a.length; i++) out.push({ kind: 'removed', text: a[i]!, oldLine: i + 1 });
  for (; j < b.length; j++) out.push({ kind: 'added', text: b[j]!, newLine: j + 1 });
  return out;
}

/** One row of a side-by-side view: the old line on the left, the new one on the right (either may be absent). */
export interface SideBySideRow {
  kind: 'same' | 'changed' | 'removed' | 'added';
  left: { line: number; text: string } | null;
  right: { line: number; text: string } | null;
}

/** Pairs each run of removed lines with the run of added lines that follows it, row by row. */
export function sideBySide(lines: readonly DiffLine[]): SideBySideRow[] {
  const rows: SideBySideRow[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index]!;
    if (line.kind === 'same') {
      rows.push({ kind: 'same', left: { line: line.oldLine, text: line.text }, right: { line: line.newLine, text: line.text } });
      index++;
      continue;
    }
    const removed: { line: number; text: string }[] = [];
    const added: { line: number; text: string }[] = [];
    while (index < lines.length && lines[index]!.kind === 'removed') {
      const r = lines[index++] as Extract<DiffLine, { kind: 'removed' }>;
      removed.push({ line: r.oldLine, text: r.text });
    }
    while (index < lines.length && lines[index]!.kind === 'added') {
      const a = lines[index++] as Extract<DiffLine, { kind: 'added' }>;
      added.push({ line: a.newLine, text: a.text });
    }
    for (let k = 0; k < Math.max(removed.length, added.length); k++) {
      const left = removed[k] ?? null;
      const right = added[k] ?? null;
      rows.push({ kind: left && right ? 'changed' : left ? 'removed' : 'added', left, right });
    }
  }
  return rows;
}
