import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Encodes a WAV file into another container with the installed ffmpeg (tests only): `mp3`, `ogg`
 * (Opus), `m4a` (AAC), `webm` (Opus, as browsers record).
 */
export function encodeAudio(wav: Buffer, format: 'mp3' | 'ogg' | 'm4a' | 'webm'): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'tero-encode-'));
  try {
    writeFileSync(join(dir, 'in.wav'), wav);
    const codec = { mp3: ['-c:a', 'libmp3lame', '-b:a', '64k'], ogg: ['-c:a', 'libopus'], m4a: ['-c:a', 'aac'], webm: ['-c:a', 'libopus'] }[format];
    const out = join(dir, `out.${format}`);
    const result = spawnSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', '-i', join(dir, 'in.wav'), ...codec, out]);
    if (result.status !== 0) throw new Error(`ffmpeg could not encode ${format}: ${result.stderr.toString()}`);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
