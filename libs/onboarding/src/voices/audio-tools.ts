import { spawn } from 'node:child_process';
import { SAMPLE_RATE } from './wav';

/** What ffprobe says of a file's first audio stream. */
export interface ProbedAudio {
  /** ffmpeg's codec name: `pcm_s16le`, `mp3`, `aac`, `opus`, `vorbis`… */
  codec: string;
  sampleRate: number;
  channels: number;
  /** Seconds, when the container says (a browser's WebM recording often does not). */
  durationSeconds: number | null;
}

export interface AudioToolsOptions {
  ffmpegPath?: string;
  ffprobePath?: string;
  /** Each run is killed after this. Default 60 s. */
  timeoutMs?: number;
  /** Decoding stops (and fails) beyond this much audio, so a tiny file cannot expand without bound. Default 11 minutes. */
  maxDecodedSeconds?: number;
}

/**
 * A run of ffmpeg or ffprobe that did not give a usable answer. `reason` says which way; `missing`: the
 * program is not installed (a fault of the server, not of the file).
 */
export class AudioToolError extends Error {
  constructor(
    readonly reason: 'unreadable' | 'too_long' | 'timeout' | 'missing',
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs a program without a shell (arguments are never parsed by one), its output bounded: beyond
 * `maxBytes` of stdout, or after `timeoutMs`, it is killed and the run fails.
 */
function run(command: string, args: string[], timeoutMs: number, maxBytes: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let failure: AudioToolError | null = null;
    const stop = (error: AudioToolError) => {
      failure ??= error;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(new AudioToolError('timeout', `${command} ran longer than ${timeoutMs} ms`)), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) return stop(new AudioToolError('too_long', `${command} wrote more than ${maxBytes} bytes`));
      chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString('utf8');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === 'ENOENT' ? new AudioToolError('missing', `${command} is not installed (or not on the PATH)`) : error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failure) reject(failure);
      else resolve({ code, stdout: Buffer.concat(chunks, size), stderr });
    });
  });
}

/** ffprobe and ffmpeg (5.x), reading a file the caller wrote to a private temporary folder. */
export class AudioTools {
  private readonly ffmpeg: string;
  private readonly ffprobe: string;
  private readonly timeoutMs: number;
  private readonly maxDecodedSeconds: number;

  constructor(options: AudioToolsOptions = {}) {
    this.ffmpeg = options.ffmpegPath ?? 'ffmpeg';
    this.ffprobe = options.ffprobePath ?? 'ffprobe';
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.maxDecodedSeconds = options.maxDecodedSeconds ?? 660;
  }

  /** Whether both programs run: checked at boot, so a missing ffmpeg is logged before the first upload. */
  async available(): Promise<boolean> {
    try {
      const [ffmpeg, ffprobe] = await Promise.all([run(this.ffmpeg, ['-version'], this.timeoutMs, 1024 * 1024), run(this.ffprobe, ['-version'], this.timeoutMs, 1024 * 1024)]);
      return ffmpeg.code === 0 && ffprobe.code === 0;
    } catch {
      return false;
    }
  }

  /** The first audio stream of the file, or null when ffprobe finds none (or cannot read the file). */
  async probe(path: string): Promise<ProbedAudio | null> {
    const result = await run(this.ffprobe, ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', '--', path], this.timeoutMs, 1024 * 1024);
    if (result.code !== 0) return null;
    let parsed: { streams?: Record<string, unknown>[]; format?: Record<string, unknown> };
    try {
      parsed = JSON.parse(result.stdout.toString('utf8'));
    } catch {
      return null;
    }
    const stream = parsed.streams?.find((s) => s.codec_type === 'audio');
    if (!stream) return null;
    const number = (value: unknown) => {
      const n = Number(value);
      return Number.isFinite(n) && n > 0 ? n : null;
    };
    return {
      codec: String(stream.codec_name ?? 'unknown'),
      sampleRate: number(stream.sample_rate) ?? 0,
      channels: number(stream.channels) ?? 0,
      durationSeconds: number(stream.duration) ?? number(parsed.format?.duration),
    };
  }

  /** The file's audio as PCM signed 16-bit, mono, 24 kHz (channels mixed down, resampled). */
  async decode(path: string): Promise<Int16Array> {
    const maxBytes = this.maxDecodedSeconds * SAMPLE_RATE * 2;
    const args = ['-v', 'error', '-nostdin', '-i', path, '-map', '0:a:0', '-vn', '-ac', '1', '-ar', String(SAMPLE_RATE), '-acodec', 'pcm_s16le', '-f', 's16le', 'pipe:1'];
    const result = await run(this.ffmpeg, args, this.timeoutMs, maxBytes);
    if (result.code !== 0) throw new AudioToolError('unreadable', result.stderr.trim().split('\n').slice(-1)[0] ?? `ffmpeg exited with ${result.code}`);
    const bytes = result.stdout;
    // Copied into an aligned buffer: a Buffer's byte offset in its pool may be odd.
    const pcm = new Int16Array(Math.floor(bytes.length / 2));
    Buffer.from(pcm.buffer).set(bytes.subarray(0, pcm.length * 2));
    return pcm;
  }
}
