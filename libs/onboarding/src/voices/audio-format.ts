/** Audio containers a voice sample may come in, recognised by their bytes (never by the name or the browser's word). */
export const AUDIO_FORMATS = ['wav', 'mp3', 'm4a', 'ogg', 'webm'] as const;
export type AudioFormat = (typeof AUDIO_FORMATS)[number];

const ascii = (bytes: Uint8Array, offset: number, text: string): boolean => {
  if (bytes.length < offset + text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[offset + i] !== text.charCodeAt(i)) return false;
  return true;
};

/** Bytes of an ID3v2 tag (header included) at the start, or 0: MP3 files often open with one. */
function id3Length(bytes: Uint8Array): number {
  if (!ascii(bytes, 0, 'ID3') || bytes.length < 10) return 0;
  // Sizes are "synchsafe": 7 bits per byte. A footer (flag 0x10) adds 10 bytes.
  const size = ((bytes[6]! & 0x7f) << 21) | ((bytes[7]! & 0x7f) << 14) | ((bytes[8]! & 0x7f) << 7) | (bytes[9]! & 0x7f);
  return 10 + size + (bytes[5]! & 0x10 ? 10 : 0);
}

/** An MPEG audio frame header (11 sync bits, a valid version, layer, bitrate and sample rate) at `offset`. */
function isMpegFrame(bytes: Uint8Array, offset: number): boolean {
  if (bytes.length < offset + 4) return false;
  const b1 = bytes[offset + 1]!;
  const b2 = bytes[offset + 2]!;
  if (bytes[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) return false;
  const version = (b1 >> 3) & 0x03;
  const layer = (b1 >> 1) & 0x03;
  const bitrate = b2 >> 4;
  const rate = (b2 >> 2) & 0x03;
  return version !== 0x01 && layer !== 0x00 && bitrate !== 0x0f && bitrate !== 0x00 && rate !== 0x03;
}

/**
 * The container of `bytes` by its signature: RIFF/WAVE, MP3 (an ID3v2 tag or an MPEG audio frame),
 * ISO media with an `ftyp` box (M4A/AAC, MP4 audio), Ogg (Opus or Vorbis inside), or EBML
 * (WebM/Matroska, what browsers record). Null for anything else — a text file renamed `.wav` included.
 */
export function detectAudioFormat(bytes: Uint8Array): AudioFormat | null {
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WAVE')) return 'wav';
  if (ascii(bytes, 4, 'ftyp')) return 'm4a';
  if (ascii(bytes, 0, 'OggS')) return 'ogg';
  if (bytes.length >= 4 && bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) return 'webm';
  const id3 = id3Length(bytes);
  if (id3 > 0) return id3 <= bytes.length ? 'mp3' : null;
  // A bare MPEG stream. Text never starts with 0xFF; ffprobe then checks the whole stream decodes.
  if (isMpegFrame(bytes, 0)) return 'mp3';
  return null;
}
