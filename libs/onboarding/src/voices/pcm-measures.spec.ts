import { FLOOR_DBFS, clippingRatio, measurePcm, toDbfs, windowLevels } from './pcm-measures';
import { silence, speechLike } from './testing/test-audio';
import { SAMPLE_RATE } from './wav';

describe('PCM measures', () => {
  it('measures a speech-like signal: its length, its level, pauses but no clipping', () => {
    const m = measurePcm(speechLike(10, { levelDbfs: -20 }), SAMPLE_RATE);
    expect(m.durationSeconds).toBeCloseTo(10, 5);
    expect(m.clippingRatio).toBe(0);
    expect(m.silenceRatio).toBeGreaterThan(0.15);
    expect(m.silenceRatio).toBeLessThan(0.5);
    // Voiced windows average a little under the syllables' peak level.
    expect(m.speechDbfs).toBeGreaterThan(-24);
    expect(m.speechDbfs).toBeLessThan(-18);
  });

  it('finds silence silent', () => {
    const m = measurePcm(silence(5), SAMPLE_RATE);
    expect(m.silenceRatio).toBe(1);
    expect(m.speechDbfs).toBe(FLOOR_DBFS);
    expect(m.peakDbfs).toBeLessThan(-60);
  });

  it('finds a clipped signal clipped, and a quiet one quiet', () => {
    const clipped = speechLike(5, { levelDbfs: -20, gain: 12 });
    expect(clippingRatio(clipped)).toBeGreaterThan(0.05);
    const quiet = measurePcm(speechLike(5, { levelDbfs: -45 }), SAMPLE_RATE);
    expect(quiet.speechDbfs).toBeLessThan(-40);
    expect(quiet.clippingRatio).toBe(0);
  });

  it('converts levels to dBFS with a floor', () => {
    expect(toDbfs(32768)).toBeCloseTo(0, 5);
    expect(toDbfs(3276.8)).toBeCloseTo(-20, 5);
    expect(toDbfs(0)).toBe(FLOOR_DBFS);
  });

  it('judges windows of a half-silent signal', () => {
    const pcm = new Int16Array(SAMPLE_RATE * 2);
    pcm.set(speechLike(1), 0);
    const { silenceRatio } = windowLevels(pcm, SAMPLE_RATE);
    expect(silenceRatio).toBeGreaterThan(0.5);
    expect(silenceRatio).toBeLessThan(0.8);
  });
});
