import { MAX_WAV_DATA_BYTES, WAV_HEADER_BYTES, WavFormatError, pcmBytesFor, pcmDurationMs, readWavHeader, wavHeader } from './wav';

describe('WAV headers', () => {
  it('writes the canonical 44-byte PCM header, field by field', () => {
    const header = wavHeader({ sampleRate: 8000, channels: 1 }, 16_000);
    expect(header).toHaveLength(WAV_HEADER_BYTES);
    expect(header.toString('ascii', 0, 4)).toBe('RIFF');
    expect(header.readUInt32LE(4)).toBe(36 + 16_000);
    expect(header.toString('ascii', 8, 16)).toBe('WAVEfmt ');
    expect(header.readUInt32LE(16)).toBe(16);
    expect(header.readUInt16LE(20)).toBe(1);
    expect(header.readUInt16LE(22)).toBe(1);
    expect(header.readUInt32LE(24)).toBe(8000);
    expect(header.readUInt32LE(28)).toBe(16_000);
    expect(header.readUInt16LE(32)).toBe(2);
    expect(header.readUInt16LE(34)).toBe(16);
    expect(header.toString('ascii', 36, 40)).toBe('data');
    expect(header.readUInt32LE(40)).toBe(16_000);
  });

  it('reads back what it writes: format, data size and duration', () => {
    const stereo = readWavHeader(wavHeader({ sampleRate: 16_000, channels: 2 }, 64_000 * 3));
    expect(stereo).toEqual({
      audioFormat: 1,
      sampleRate: 16_000,
      channels: 2,
      bitsPerSample: 16,
      byteRate: 64_000,
      blockAlign: 4,
      dataOffset: 44,
      dataBytes: 192_000,
      durationMs: 3000,
    });
    expect(readWavHeader(wavHeader({ sampleRate: 8000, channels: 1 }, 0)).durationMs).toBe(0);
  });

  it('skips chunks it does not need (LIST) and odd-sized padding, as players do', () => {
    const base = wavHeader({ sampleRate: 8000, channels: 1 }, 320);
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc'), Buffer.from([0])]);
    const file = Buffer.concat([base.subarray(0, 36), list, base.subarray(36), Buffer.alloc(320)]);
    file.writeUInt32LE(file.length - 8, 4);
    expect(readWavHeader(file, file.length)).toMatchObject({ dataOffset: 44 + 12, dataBytes: 320, durationMs: 20 });
  });

  it('computes durations and sizes in whole sample frames', () => {
    expect(pcmDurationMs(320, { sampleRate: 8000, channels: 1 })).toBe(20);
    expect(pcmDurationMs(321, { sampleRate: 8000, channels: 1 })).toBe(20);
    expect(pcmDurationMs(32_000, { sampleRate: 8000, channels: 2 })).toBe(1000);
    expect(pcmBytesFor(20, { sampleRate: 16_000, channels: 2 })).toBe(1280);
    expect(pcmBytesFor(1000, { sampleRate: 44_100, channels: 1 })).toBe(88_200);
  });

  it('refuses sizes a header cannot describe and formats it cannot hold', () => {
    expect(() => wavHeader({ sampleRate: 8000, channels: 2 }, 6)).toThrow(/whole number of 4-byte sample frames/);
    expect(() => wavHeader({ sampleRate: 8000, channels: 1 }, MAX_WAV_DATA_BYTES + 1)).toThrow(RangeError);
    expect(() => wavHeader({ sampleRate: 8000, channels: 1 }, -2)).toThrow(RangeError);
    expect(() => wavHeader({ sampleRate: 0, channels: 1 }, 0)).toThrow(/sampleRate/);
    expect(() => wavHeader({ sampleRate: 8000, channels: 0 }, 0)).toThrow(/channels/);
    expect(() => wavHeader({ sampleRate: 8000, channels: 1, bitsPerSample: 12 }, 0)).toThrow(/bitsPerSample/);
  });

  it('refuses what is not a playable PCM WAV, saying why', () => {
    const good = Buffer.concat([wavHeader({ sampleRate: 8000, channels: 1 }, 320), Buffer.alloc(320)]);
    expect(() => readWavHeader(Buffer.from('RIFF'))).toThrow(WavFormatError);
    expect(() => readWavHeader(Buffer.concat([Buffer.from('RIFX'), good.subarray(4)]))).toThrow(/no RIFF signature/);
    expect(() => readWavHeader(Buffer.concat([good.subarray(0, 8), Buffer.from('AVI '), good.subarray(12)]))).toThrow(/not a WAVE form/);
    const mp3ish = Buffer.from(good);
    mp3ish.writeUInt16LE(85, 20);
    expect(() => readWavHeader(mp3ish)).toThrow(/audio format 85 is not PCM/);
    const badRate = Buffer.from(good);
    badRate.writeUInt32LE(12_345, 28);
    expect(() => readWavHeader(badRate)).toThrow(/byte rate/);
    expect(() => readWavHeader(good.subarray(0, 200), 200)).toThrow(/claims 320 bytes, the file holds 156/);
    expect(() => readWavHeader(good.subarray(0, 36))).toThrow(/no data chunk/);
  });
});
