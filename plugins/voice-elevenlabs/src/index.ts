import { definePlugin, providePort, VOICE, type VoiceEngine } from '@tero/sdk';
import { ElevenLabsVoiceEngine, type ElevenLabsVoiceConfig } from './elevenlabs.voice-engine';

export { ElevenLabsVoiceEngine, elevenLabsReason, DEFAULT_ELEVENLABS_BASE_URL, DEFAULT_ELEVENLABS_MODEL } from './elevenlabs.voice-engine';
export type { ElevenLabsVoiceConfig } from './elevenlabs.voice-engine';

export default definePlugin<ElevenLabsVoiceConfig>({
  id: 'voice-elevenlabs',
  provides: [providePort<VoiceEngine, ElevenLabsVoiceConfig>(VOICE, ({ config, logger }) => new ElevenLabsVoiceEngine(config, logger))],
});
