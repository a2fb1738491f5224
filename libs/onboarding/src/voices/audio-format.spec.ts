import { detectAudioFormat } from './audio-format';
import { speechLike } from './testing/test-audio';
import { wavFile } from './wav';

const bytes = (...values: (number | string)[]) =>
  Uint8Array.from(values.flatMap((v) => (typeof v === 'string' ? [...v].map((c) => c.charCodeAt(0)) : [v])));

describe('detectAudioFormat', () => {
  it('recognises a WAV by its RIFF/WAVE header', () => {
    expect(detectAudioFormat(wavFile(speechLike(0.1)))).toBe('wav');
  });

  it('recognises MP3 with an ID3 tag, and a bare MPEG frame', () => {
    expect(detectAudioFormat(bytes('ID3', 4, 0, 0, 0, 0, 0, 0, ...new Array(20).fill(0)))).toBe('mp3');
    // MPEG-1 layer III, 128 kbit/s, 44.1 kHz.
    expect(detectAudioFormat(bytes(0xff, 0xfb, 0x90, 0x64, 0, 0))).toBe('mp3');
  });

  it('recognises M4A (ftyp), Ogg and WebM/Matroska (EBML)', () => {
    expect(detectAudioFormat(bytes(0, 0, 0, 0x20, 'ftypM4A ', 0, 0, 0, 0))).toBe('m4a');
    expect(detectAudioFormat(bytes('OggS', 0, 2, 0, 0))).toBe('ogg');
    expect(detectAudioFormat(bytes(0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86))).toBe('webm');
  });

  it('refuses text, an empty file, a RIFF that is not WAVE, and an ID3 tag longer than the file', () => {
    expect(detectAudioFormat(Buffer.from('hello, this is not a recording\n'))).toBeNull();
    expect(detectAudioFormat(new Uint8Array(0))).toBeNull();
    expect(detectAudioFormat(bytes('RIFF', 0, 0, 0, 0, 'AVI LIST'))).toBeNull();
    expect(detectAudioFormat(bytes('ID3', 4, 0, 0, 0x7f, 0x7f, 0x7f, 0x7f, 0))).toBeNull();
    // Not an MPEG frame: reserved version bits, or a "bad" bitrate index.
    expect(detectAudioFormat(bytes(0xff, 0xe9, 0x90, 0x64))).toBeNull();
    expect(detectAudioFormat(bytes(0xff, 0xfb, 0xf0, 0x64))).toBeNull();
  });
});
