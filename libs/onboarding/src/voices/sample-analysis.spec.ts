import { AudioToolError, AudioTools } from './audio-tools';
import { SAMPLE_LIMITS, analyzeSample, assessTotal, judgeMeasures } from './sample-analysis';
import { measurePcm } from './pcm-measures';
import { encodeAudio } from './testing/encode-audio';
import { silence, speechLike } from './testing/test-audio';
import { SAMPLE_RATE, wavFile } from './wav';

const codes = (reasons: { code: string }[]) => reasons.map((r) => r.code);

describe('judgeMeasures (generated PCM)', () => {
  it('has nothing to say about clean speech at a normal level', () => {
    expect(judgeMeasures(measurePcm(speechLike(20), SAMPLE_RATE), 44_100)).toEqual([]);
  });

  it('refuses silence as silent, and only that', () => {
    expect(codes(judgeMeasures(measurePcm(silence(20), SAMPLE_RATE), 48_000))).toEqual(['silent']);
  });

  it('refuses clipped audio and says how much is clipped', () => {
    const reasons = judgeMeasures(measurePcm(speechLike(20, { gain: 12 }), SAMPLE_RATE), 48_000);
    const clipped = reasons.find((r) => r.code === 'clipped');
    expect(clipped).toMatchObject({ level: 'refused' });
    expect(Number(clipped!.params.percent)).toBeGreaterThan(SAMPLE_LIMITS.maxClipping * 100);
  });

  it('refuses a voice too quiet to clone, flags one merely quiet', () => {
    expect(judgeMeasures(measurePcm(speechLike(20, { levelDbfs: -46 }), SAMPLE_RATE), 48_000)).toEqual([
      { code: 'too_quiet', level: 'refused', params: expect.objectContaining({ min: SAMPLE_LIMITS.minSpeechDbfs }) },
    ]);
    expect(codes(judgeMeasures(measurePcm(speechLike(20, { levelDbfs: -34 }), SAMPLE_RATE), 48_000))).toEqual(['quiet']);
  });

  it('refuses a source under 16 kHz and a file of a second', () => {
    expect(codes(judgeMeasures(measurePcm(speechLike(20), SAMPLE_RATE), 8_000))).toEqual(['sample_rate_low']);
    expect(codes(judgeMeasures(measurePcm(speechLike(1), SAMPLE_RATE), 48_000))).toEqual(['file_too_short']);
  });

  it('flags a file that is mostly silence', () => {
    const pcm = new Int16Array(SAMPLE_RATE * 20);
    pcm.set(speechLike(5), 0);
    expect(codes(judgeMeasures(measurePcm(pcm, SAMPLE_RATE), 48_000))).toEqual(['mostly_silent']);
  });
});

describe('assessTotal', () => {
  it('refuses under 30 s, recommends 1 to 3 minutes, refuses over 10 minutes', () => {
    expect(assessTotal([10, 12])).toMatchObject({ totalSeconds: 22, verdict: 'refused', reasons: [{ code: 'total_too_short' }] });
    expect(assessTotal([20, 25])).toMatchObject({ totalSeconds: 45, verdict: 'warning', reasons: [{ code: 'total_outside_recommended' }] });
    expect(assessTotal([60, 60])).toEqual({ totalSeconds: 120, verdict: 'ok', reasons: [] });
    expect(assessTotal([200, 100])).toMatchObject({ verdict: 'warning' });
    expect(assessTotal([400, 300])).toMatchObject({ verdict: 'refused', reasons: [{ code: 'total_too_long' }] });
  });
});

describe('analyzeSample (ffprobe and ffmpeg)', () => {
  const tools = new AudioTools();
  const speech44k = wavFile(speechLike(8, { sampleRate: 44_100 }), 44_100);

  it('decodes a 44.1 kHz WAV to 24 kHz mono and accepts it', async () => {
    const { report, wav } = await analyzeSample(tools, 'owner.wav', speech44k);
    expect(report).toMatchObject({ format: 'wav', codec: 'pcm_s16le', sourceSampleRate: 44_100, channels: 1, verdict: 'ok', reasons: [] });
    expect(report.durationSeconds).toBeCloseTo(8, 1);
    expect(wav!.subarray(0, 4).toString()).toBe('RIFF');
    expect(wav!.readUInt32LE(24)).toBe(24_000);
    expect(wav!.readUInt16LE(22)).toBe(1);
    expect((wav!.length - 44) / 2 / 24_000).toBeCloseTo(8, 1);
  });

  it.each(['mp3', 'ogg', 'm4a', 'webm'] as const)('reads %s as a browser or phone makes it', async (format) => {
    const { report } = await analyzeSample(tools, `owner.${format}`, encodeAudio(speech44k, format));
    expect(report.format).toBe(format);
    expect(report.verdict).not.toBe('refused');
    expect(report.durationSeconds).toBeGreaterThan(7.5);
    expect(report.durationSeconds).toBeLessThan(8.5);
  });

  it('refuses a text file named .wav as not audio, without running ffmpeg on it', async () => {
    const { report, wav } = await analyzeSample(tools, 'voice.wav', Buffer.from('These are my notes, not a recording.\n'));
    expect(report).toMatchObject({ verdict: 'refused', reasons: [{ code: 'not_audio', level: 'refused' }] });
    expect(wav).toBeNull();
  });

  it('refuses a WAV header over garbage as unreadable', async () => {
    const broken = Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVEjunk', 'latin1'), Buffer.alloc(64, 7)]);
    expect((await analyzeSample(tools, 'broken.wav', broken)).report.reasons.map((r) => r.code)).toEqual(['unreadable']);
  });

  it('refuses an 8 kHz telephone recording, a silent file and a clipped one', async () => {
    const phone = await analyzeSample(tools, 'phone.wav', wavFile(speechLike(8, { sampleRate: 8_000 }), 8_000));
    expect(phone.report).toMatchObject({ verdict: 'refused', sourceSampleRate: 8_000 });
    expect(codes(phone.report.reasons)).toContain('sample_rate_low');
    expect(codes((await analyzeSample(tools, 'mute.wav', wavFile(silence(8)))).report.reasons)).toEqual(['silent']);
    expect(codes((await analyzeSample(tools, 'loud.wav', wavFile(speechLike(8, { gain: 12 })))).report.reasons)).toContain('clipped');
  });

  it('refuses a file whose analysis runs past its time limit as unreadable', async () => {
    const hasty = new AudioTools({ timeoutMs: 1 });
    expect((await analyzeSample(hasty, 'slow.wav', speech44k)).report.reasons.map((r) => r.code)).toEqual(['unreadable']);
  });

  it('says ffmpeg is missing rather than blaming the file', async () => {
    const none = new AudioTools({ ffmpegPath: '/nonexistent/ffmpeg', ffprobePath: '/nonexistent/ffprobe' });
    expect(await none.available()).toBe(false);
    expect(await tools.available()).toBe(true);
    await expect(analyzeSample(none, 'owner.wav', speech44k)).rejects.toMatchObject({ name: 'Error', reason: 'missing' });
    await expect(analyzeSample(none, 'owner.wav', speech44k)).rejects.toBeInstanceOf(AudioToolError);
  });

  it('stops decoding beyond its limit', async () => {
    const short = new AudioTools({ maxDecodedSeconds: 2 });
    expect((await analyzeSample(short, 'long.wav', speech44k)).report.reasons.map((r) => r.code)).toEqual(['file_too_long']);
  });
});
