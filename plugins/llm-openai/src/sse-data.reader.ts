/**
 * Reads a server-sent-events body and yields the `data` of each event (its `data:` lines joined with
 * `\n`), as the chat-completions stream sends them. Lines may end in `\n`, `\r\n` or `\r`, and a line or
 * a multi-byte character may be split across network chunks; comments (`: keep-alive`) and the other
 * fields (`event:`, `id:`, `retry:`) are skipped. An event left without its blank line at the end of the
 * body is still yielded: some servers close right after their last `data:` line.
 */
export async function* readSseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];

  const takeLine = (line: string): string | undefined => {
    if (line === '') {
      if (data.length === 0) return undefined;
      const event = data.join('\n');
      data = [];
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field !== 'data') return undefined;
    const value = colon === -1 ? '' : line.slice(colon + 1);
    data.push(value.startsWith(' ') ? value.slice(1) : value);
    return undefined;
  };

  const reader = body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const char = buffer[i];
        if (char !== '\n' && char !== '\r') continue;
        // A `\r` at the end of what arrived may be the first half of `\r\n`: wait for the next chunk.
        if (char === '\r' && i === buffer.length - 1) break;
        const line = buffer.slice(start, i);
        if (char === '\r' && buffer[i + 1] === '\n') i++;
        start = i + 1;
        const event = takeLine(line);
        if (event !== undefined) yield event;
      }
      buffer = buffer.slice(start);
    }
  } finally {
    // Leaving early (the consumer stopped, or an error) must not leave the body downloading.
    await reader.cancel().catch(() => undefined);
  }

  buffer += decoder.decode();
  for (const line of buffer.split(/\r\n|\r|\n/)) {
    const event = takeLine(line);
    if (event !== undefined) yield event;
  }
  const last = takeLine('');
  if (last !== undefined) yield last;
}
