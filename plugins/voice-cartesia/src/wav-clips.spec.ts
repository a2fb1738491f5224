import { pcmWav, readWavInfo } from '@tero/sdk/testing';
import { joinWavClips, WavClipError } from './wav-clips';

/** A hand-made PCM WAV: an optional chunk before `fmt `, the given format, then the samples. */
function wav(samples: number[], options: { sampleRate?: number; channels?: number; extraChunk?: string } = {}): Uint8Array {
  const { sampleRate = 24_000, channels = 1, extraChunk } = options;
  const extra = extraChunk ? Buffer.concat([Buffer.from('LIST'), u32(extraChunk.length), Buffer.from(extraChunk), Buffer.alloc(extraChunk.length % 2)]) : Buffer.alloc(0);
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((value, i) => data.writeInt16LE(value, i * 2));
  const fmt = Buffer.alloc(24);
  fmt.write('fmt ', 0, 'ascii');
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(1, 8);
  fmt.writeUInt16LE(channels, 10);
  fmt.writeUInt32LE(sampleRate, 12);
  fmt.writeUInt32LE(sampleRate * channels * 2, 16);
  fmt.writeUInt16LE(channels * 2, 20);
  fmt.writeUInt16LE(16, 22);
  const body = Buffer.concat([Buffer.from('WAVE'), extra, fmt, Buffer.from('data'), u32(data.length), data]);
  return new Uint8Array(Buffer.concat([Buffer.from('RIFF'), u32(body.length), body]));
}

function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value, 0);
  return bytes;
}

function samplesOf(file: Uint8Array): number[] {
  const data = Buffer.from(file.subarray(44));
  return Array.from({ length: data.length / 2 }, (_, i) => data.readInt16LE(i * 2));
}

describe('joinWavClips', () => {
  it('puts the samples of every clip one after the other under one header of their format', () => {
    const joined = joinWavClips([wav([1, -2, 3]), wav([400, -500], { extraChunk: 'INFOISFTLavf' }), wav([32767])]);

    expect(samplesOf(joined)).toEqual([1, -2, 3, 400, -500, 32767]);
    expect(readWavInfo(joined)).toEqual({ sampleRate: 24_000, channels: 1, bitsPerSample: 16, dataBytes: 12, durationSeconds: 6 / 24_000 });
    expect(Buffer.from(joined.subarray(0, 4)).toString('ascii')).toBe('RIFF');
    expect(Buffer.from(joined).readUInt32LE(4)).toBe(joined.length - 8);
    expect(Buffer.from(joined).readUInt32LE(28)).toBe(48_000);
  });

  it('keeps the duration of the platform samples it joins', () => {
    const joined = joinWavClips([pcmWav(0.5), pcmWav(1.25)]);

    expect(readWavInfo(joined)?.durationSeconds).toBeCloseTo(1.75, 6);
  });

  it('keeps a single clip sample for sample, without the chunks it does not need', () => {
    const clip = wav([7, 8, 9], { extraChunk: 'abc' });

    expect(samplesOf(joinWavClips([clip]))).toEqual([7, 8, 9]);
    expect(joinWavClips([clip]).length).toBe(44 + 6);
  });

  it('refuses clips of different formats, no clips and files that are not PCM WAV, saying which clip', () => {
    expect(() => joinWavClips([wav([1]), wav([1], { sampleRate: 16_000 })])).toThrow(/clip 2 is 1 ch 16000 Hz 16 bit, clip 1 is 1 ch 24000 Hz 16 bit/);
    expect(() => joinWavClips([wav([1]), wav([1, 2], { channels: 2 })])).toThrow(WavClipError);
    expect(() => joinWavClips([])).toThrow(WavClipError);
    expect(() => joinWavClips([wav([1]), new Uint8Array([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0, 0, 0])])).toThrow(/clip 2 is not a WAV file/);
  });
});
