/** The PCM format of a WAV file's `fmt ` chunk, and where its samples are. */
interface PcmClip {
  formatTag: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  data: Uint8Array;
}

/** Thrown when clips cannot be joined; says which clip and why. */
export class WavClipError extends Error {}

const HEADER_BYTES = 44;
/** RIFF sizes are 32-bit. */
const MAX_DATA_BYTES = 0xffff_ffff - (HEADER_BYTES - 8);

function tag(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + 4));
}

/** Reads a WAV file's format and its `data` chunk, skipping other chunks (`LIST`, `fact`…). */
function readClip(bytes: Uint8Array, index: number): PcmClip {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || tag(bytes, 0) !== 'RIFF' || tag(bytes, 8) !== 'WAVE') throw new WavClipError(`clip ${index + 1} is not a WAV file`);
  let format: Omit<PcmClip, 'data'> | undefined;
  for (let offset = 12; offset + 8 <= bytes.length; ) {
    const size = view.getUint32(offset + 4, true);
    const id = tag(bytes, offset);
    if (id === 'fmt ' && size >= 16 && offset + 24 <= bytes.length) {
      format = {
        formatTag: view.getUint16(offset + 8, true),
        channels: view.getUint16(offset + 10, true),
        sampleRate: view.getUint32(offset + 12, true),
        bitsPerSample: view.getUint16(offset + 22, true),
      };
    } else if (id === 'data') {
      if (!format) throw new WavClipError(`clip ${index + 1} has its data before its format`);
      if (format.formatTag !== 1) throw new WavClipError(`clip ${index + 1} is not PCM`);
      return { ...format, data: bytes.subarray(offset + 8, Math.min(bytes.length, offset + 8 + size)) };
    }
    offset += 8 + size + (size % 2);
  }
  throw new WavClipError(`clip ${index + 1} has no data chunk`);
}

/**
 * Joins PCM WAV clips of one format into a single WAV file: their samples one after the other under a
 * new 44-byte header. Cartesia clones from one clip, while the owner records several samples; the
 * platform normalizes them all to the same format, so no decoding or resampling is needed. Throws
 * {@link WavClipError} for no clips, a clip that is not PCM WAV, or clips whose formats differ.
 */
export function joinWavClips(clips: Uint8Array[]): Uint8Array {
  if (clips.length === 0) throw new WavClipError('there are no clips to join');
  const parsed = clips.map(readClip);
  const [first] = parsed;
  parsed.forEach((clip, index) => {
    if (clip.channels !== first.channels || clip.sampleRate !== first.sampleRate || clip.bitsPerSample !== first.bitsPerSample) {
      throw new WavClipError(
        `clip ${index + 1} is ${clip.channels} ch ${clip.sampleRate} Hz ${clip.bitsPerSample} bit, clip 1 is ${first.channels} ch ${first.sampleRate} Hz ${first.bitsPerSample} bit`,
      );
    }
  });
  const frameBytes = first.channels * (first.bitsPerSample / 8);
  // A clip cut mid-frame would shift every later sample by a byte: keep whole frames only.
  const datas = parsed.map((clip) => clip.data.subarray(0, clip.data.length - (clip.data.length % frameBytes)));
  const dataBytes = datas.reduce((sum, data) => sum + data.length, 0);
  if (dataBytes > MAX_DATA_BYTES) throw new WavClipError('the joined clips exceed the 4 GB a WAV file can hold');

  const joined = new Uint8Array(HEADER_BYTES + dataBytes);
  const view = new DataView(joined.buffer);
  const ascii = (offset: number, text: string) => [...text].forEach((c, i) => view.setUint8(offset + i, c.charCodeAt(0)));
  ascii(0, 'RIFF');
  view.setUint32(4, HEADER_BYTES - 8 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, first.channels, true);
  view.setUint32(24, first.sampleRate, true);
  view.setUint32(28, first.sampleRate * frameBytes, true);
  view.setUint16(32, frameBytes, true);
  view.setUint16(34, first.bitsPerSample, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  let offset = HEADER_BYTES;
  for (const data of datas) {
    joined.set(data, offset);
    offset += data.length;
  }
  return joined;
}
