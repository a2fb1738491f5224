import { TeroError } from '@tero/sdk';

/**
 * What the voice pages refuse. Codes are translated as `errors:<code>` (locales/<lang>/errors.json);
 * each refusal changes nothing.
 */
export const VOICE_ERRORS = {
  noFiles: 'voices.no_files',
  tooManyFiles: 'voices.too_many_files',
  fileTooLarge: 'voices.file_too_large',
  totalTooLong: 'voices.total_too_long',
  busy: 'voices.busy',
  hasVoice: 'voices.has_voice',
  notEnoughAudio: 'voices.not_enough_audio',
  notSetUp: 'voices.not_set_up',
  notFound: 'voices.not_found',
  toolsMissing: 'voices.tools_missing',
} as const;

export function voiceError(code: string, message: string, params: Record<string, string | number> = {}, status = 400): TeroError {
  return new TeroError(code, message, params, { status });
}
