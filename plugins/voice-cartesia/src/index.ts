import { definePlugin, providePort, VOICE, type VoiceEngine } from '@tero/sdk';
import { CartesiaVoiceEngine, type CartesiaVoiceConfig } from './cartesia.voice-engine';

export { CartesiaVoiceEngine, cartesiaReason, CARTESIA_VERSION, DEFAULT_CARTESIA_BASE_URL, DEFAULT_CARTESIA_MODEL } from './cartesia.voice-engine';
export type { CartesiaVoiceConfig } from './cartesia.voice-engine';
export { joinWavClips, WavClipError } from './wav-clips';

export default definePlugin<CartesiaVoiceConfig>({
  id: 'voice-cartesia',
  provides: [providePort<VoiceEngine, CartesiaVoiceConfig>(VOICE, ({ config, logger }) => new CartesiaVoiceEngine(config, logger))],
});
