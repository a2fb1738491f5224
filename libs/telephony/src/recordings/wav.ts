/**
 * WAV (RIFF, PCM) headers: what a recording is stored as, so that any player plays it. jambonz streams
 * L16 (signed 16-bit little-endian PCM, interleaved when stereo), which is exactly a WAV `data` chunk;
 * the header only has to say so, and how long the data is.
 */

/** Bytes of the canonical header written here: RIFF (12) + `fmt ` (24) + `data` header (8). */
export const WAV_HEADER_BYTES = 44;
/** The largest `data` chunk a RIFF header can describe (its sizes are 32-bit). */
export const MAX_WAV_DATA_BYTES = 0xffff_ffff - (WAV_HEADER_BYTES - 8);

const PCM_FORMAT = 1;
const EXTENSIBLE_FORMAT = 0xfffe;

export interface PcmFormat {
  sampleRate: number;
  channels: number;
  /** 16 for L16. */
  bitsPerSample?: number;
}

/** What a WAV header says. */
export interface WavInfo {
  /** 1 (PCM), or 0xfffe (extensible) for headers written by others. */
  audioFormat: number;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  byteRate: number;
  blockAlign: number;
  /** Where the audio starts in the file. */
  dataOffset: number;
  dataBytes: number;
  durationMs: number;
}

export class WavFormatError extends Error {
  constructor(message: string) {
    super(`not a playable WAV file: ${message}`);
    this.name = 'WavFormatError';
  }
}

/** Bytes of one sample frame (one sample of every channel). */
export function blockAlignOf(format: PcmFormat): number {
  return format.channels * ((format.bitsPerSample ?? 16) / 8);
}

/** Milliseconds of audio in `bytes` of PCM, rounded down (whole sample frames only). */
export function pcmDurationMs(bytes: number, format: PcmFormat): number {
  const frames = Math.floor(bytes / blockAlignOf(format));
  return Math.floor((frames * 1000) / format.sampleRate);
}

/** Bytes of PCM for `ms` milliseconds, a whole number of sample frames. */
export function pcmBytesFor(ms: number, format: PcmFormat): number {
  return Math.floor((ms * format.sampleRate) / 1000) * blockAlignOf(format);
}

function checkFormat(format: PcmFormat): void {
  const bits = format.bitsPerSample ?? 16;
  if (!Number.isInteger(format.sampleRate) || format.sampleRate < 1 || format.sampleRate > 384_000) throw new RangeError(`sampleRate ${format.sampleRate} is not a usable rate`);
  if (!Number.isInteger(format.channels) || format.channels < 1 || format.channels > 8) throw new RangeError(`channels ${format.channels} must be 1 to 8`);
  if (bits !== 8 && bits !== 16 && bits !== 24 && bits !== 32) throw new RangeError(`bitsPerSample ${bits} must be 8, 16, 24 or 32`);
}

/**
 * The 44-byte header of a PCM WAV file whose `data` chunk holds `dataBytes` (a whole number of sample
 * frames; at most {@link MAX_WAV_DATA_BYTES}).
 */
export function wavHeader(format: PcmFormat, dataBytes: number): Buffer {
  checkFormat(format);
  const bits = format.bitsPerSample ?? 16;
  const blockAlign = blockAlignOf(format);
  if (!Number.isInteger(dataBytes) || dataBytes < 0 || dataBytes > MAX_WAV_DATA_BYTES) throw new RangeError(`dataBytes ${dataBytes} must be 0 to ${MAX_WAV_DATA_BYTES}`);
  if (dataBytes % blockAlign !== 0) throw new RangeError(`dataBytes ${dataBytes} is not a whole number of ${blockAlign}-byte sample frames`);
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(WAV_HEADER_BYTES - 8 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(PCM_FORMAT, 20);
  header.writeUInt16LE(format.channels, 22);
  header.writeUInt32LE(format.sampleRate, 24);
  header.writeUInt32LE(format.sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(bits, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/**
 * Reads a WAV header from the start of a file (at least up to the `data` chunk's header): the format
 * chunk, and where the audio is and how long. Chunks other than `fmt ` and `data` (LIST, fact…) are
 * skipped, as players do. When `fileBytes` is given, a `data` chunk that claims more than the file holds
 * is refused (a truncated file).
 */
export function readWavHeader(buffer: Buffer, fileBytes?: number): WavInfo {
  if (buffer.length < 12) throw new WavFormatError('shorter than a RIFF header');
  if (buffer.toString('ascii', 0, 4) !== 'RIFF') throw new WavFormatError('no RIFF signature');
  if (buffer.toString('ascii', 8, 12) !== 'WAVE') throw new WavFormatError('not a WAVE form');
  const riffEnd = 8 + buffer.readUInt32LE(4);
  let fmt: Omit<WavInfo, 'dataOffset' | 'dataBytes' | 'durationMs'> | null = null;
  let offset = 12;
  while (offset + 8 <= buffer.length) {
    const id = buffer.toString('ascii', offset, offset + 4);
    const size = buffer.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buffer.length) throw new WavFormatError('format chunk too short');
      const audioFormat = buffer.readUInt16LE(body);
      if (audioFormat !== PCM_FORMAT && audioFormat !== EXTENSIBLE_FORMAT) throw new WavFormatError(`audio format ${audioFormat} is not PCM`);
      fmt = {
        audioFormat,
        channels: buffer.readUInt16LE(body + 2),
        sampleRate: buffer.readUInt32LE(body + 4),
        byteRate: buffer.readUInt32LE(body + 8),
        blockAlign: buffer.readUInt16LE(body + 12),
        bitsPerSample: buffer.readUInt16LE(body + 14),
      };
      if (fmt.channels < 1 || fmt.sampleRate < 1 || fmt.bitsPerSample < 8) throw new WavFormatError('format chunk has no channels, rate or sample size');
      if (fmt.blockAlign !== fmt.channels * Math.ceil(fmt.bitsPerSample / 8)) throw new WavFormatError('block align does not match channels × sample size');
      if (fmt.byteRate !== fmt.sampleRate * fmt.blockAlign) throw new WavFormatError('byte rate does not match sample rate × block align');
    } else if (id === 'data') {
      if (!fmt) throw new WavFormatError('data chunk before the format chunk');
      if (body + size > riffEnd) throw new WavFormatError('data chunk runs past the RIFF size');
      if (fileBytes !== undefined && body + size > fileBytes) throw new WavFormatError(`data chunk claims ${size} bytes, the file holds ${fileBytes - body}`);
      if (size % fmt.blockAlign !== 0) throw new WavFormatError('data is not a whole number of sample frames');
      const durationMs = Math.floor(((size / fmt.blockAlign) * 1000) / fmt.sampleRate);
      return { ...fmt, dataOffset: body, dataBytes: size, durationMs };
    }
    // Chunks are padded to an even size.
    offset = body + size + (size % 2);
  }
  throw new WavFormatError(fmt ? 'no data chunk' : 'no format chunk');
}
