import { createHash } from 'node:crypto';
import { ValidationError, parseInput } from '@tero/accounts';
import { AgentProfile, Client, type Database, type JambonzConnection } from '@tero/db';
import { TeroError, type TenantContext } from '@tero/sdk';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { JambonzApiClient } from '../jambonz-api/jambonz-api.client';
import type { JambonzSpeechCredentialInput, JambonzSpeechCredentialRecord } from '../jambonz-api/jambonz-api.types';
import { type JambonzConnectionService, jambonzNotConnected } from './jambonz-connection.service';

/** The text-to-speech vendors whose keys we push to jambonz. */
export const PUSHED_SPEECH_VENDORS = ['elevenlabs', 'cartesia'] as const;
export type PushedSpeechVendor = (typeof PUSHED_SPEECH_VENDORS)[number];

/** The model used when none is given: jambonz requires one for text to speech with both vendors. */
export const DEFAULT_TTS_MODELS: Record<PushedSpeechVendor, string> = { elevenlabs: 'eleven_flash_v2_5', cartesia: 'sonic-2' };

/** The label of the brand's own key (no client slug contains `_`). */
export const BRAND_SPEECH_LABEL = 'tero_brand';
/** jambonz keeps labels in a VARCHAR(64). */
const LABEL_LIMIT = 64;

/**
 * The label a client's key lives under in jambonz: `tero-<client slug>`, shortened with a hash of the slug
 * when it would pass 64 characters.
 */
export function speechLabelFor(clientSlug: string | null): string {
  if (clientSlug === null) return BRAND_SPEECH_LABEL;
  const label = `tero-${clientSlug}`;
  if (label.length <= LABEL_LIMIT) return label;
  const hash = createHash('sha256').update(clientSlug).digest('hex').slice(0, 8);
  return `tero-${clientSlug.slice(0, LABEL_LIMIT - 5 - 9)}-${hash}`;
}

/** jambonz's way of showing a key: its first 6 characters, then `X`s (a key of 6 or fewer shows whole). */
export function obscuredLikeJambonz(key: string): string {
  return key.length <= 6 ? key : `${key.slice(0, 6)}${'X'.repeat(key.length - 6)}`;
}

const keySchema = z
  .object({
    /** The client whose own key it is; absent or null: the brand's. */
    clientId: z.uuid('must be a client id').nullish(),
    vendor: z.enum(PUSHED_SPEECH_VENDORS, 'must be elevenlabs or cartesia'),
    apiKey: z.string().trim().min(8, 'must be at least 8 characters').max(500, 'must be at most 500 characters'),
    modelId: z.string().trim().min(1).max(100, 'must be at most 100 characters').optional(),
  })
  .strict();
export type SpeechKeyInput = z.input<typeof keySchema>;

const removeSchema = z.object({ clientId: z.uuid('must be a client id').nullish(), vendor: z.enum(PUSHED_SPEECH_VENDORS, 'must be elevenlabs or cartesia') }).strict();

export type SpeechPushAction = 'created' | 'updated' | 'unchanged' | 'replaced';

export interface SpeechPushResult {
  label: string;
  sid: string;
  action: SpeechPushAction;
  /** The client's agent now selects this label (its voice is of this vendor). */
  profileLabelled: boolean;
}

export interface SpeechCredentialsOptions {
  logger: Logger;
  /** A client's agent profile changed (its voice label): the call directory must forget it. */
  onProfileChange?: (ctx: TenantContext) => void;
}

/**
 * A brand's or a client's own ElevenLabs or Cartesia key, pushed to the brand's jambonz account under a
 * label (`tero-<client slug>`, or {@link BRAND_SPEECH_LABEL}) that a call's `synthesizer.label` selects:
 * pushing a client's key also sets its agent's `voice.label` when the agent speaks with that vendor.
 *
 * jambonz cannot change a stored key (its update keeps the old one) nor have two credentials with one
 * label, so a new key replaces the credential: delete, then create. Between the two requests the label
 * is missing and a call starting then falls back to the account's default voice; a failed create is
 * retried by the next push or reconciler pass (the key is the caller's, so the caller retries). jambonz
 * shows stored keys obscured; a key is taken as unchanged when it obscures the same way and its model
 * is the same.
 */
export class SpeechCredentialsService {
  constructor(
    private readonly db: Database,
    private readonly connections: JambonzConnectionService,
    private readonly options: SpeechCredentialsOptions,
  ) {}

  /** Puts the key in jambonz (creating, updating the model, or replacing a different key); idempotent. */
  push(ctx: TenantContext, input: unknown, api?: JambonzApiClient): Promise<SpeechPushResult> {
    return this.put(ctx, input, false, api);
  }

  /** Replaces the stored credential with this key even when jambonz shows it the same way. */
  rotate(ctx: TenantContext, input: unknown, api?: JambonzApiClient): Promise<SpeechPushResult> {
    return this.put(ctx, input, true, api);
  }

  /** Deletes the credential from jambonz (when there) and stops the client's agent from selecting it. */
  async remove(ctx: TenantContext, input: unknown, api?: JambonzApiClient): Promise<{ label: string; removed: boolean }> {
    const data = parseInput(removeSchema, input);
    const clientId = this.clientOf(ctx, data.clientId ?? null);
    const { connection, label } = await this.target(ctx, clientId);
    const jambonz = api ?? this.connections.clientFor(connection);
    const existing = await this.find(jambonz, connection.accountSid, data.vendor, label);
    // jambonz answers 500 (not 404) to deleting a credential that is gone, so only what is listed is deleted.
    if (existing) await jambonz.deleteSpeechCredential(connection.accountSid, existing.speech_credential_sid);
    if (clientId) await this.labelProfile(ctx, clientId, data.vendor, label, null);
    if (existing) this.options.logger.info({ brandId: ctx.brandId, clientId, vendor: data.vendor, label }, 'jambonz speech credential removed');
    return { label, removed: !!existing };
  }

  private async put(ctx: TenantContext, input: unknown, forceReplace: boolean, api?: JambonzApiClient): Promise<SpeechPushResult> {
    const data = parseInput(keySchema, input);
    const clientId = this.clientOf(ctx, data.clientId ?? null);
    const { connection, label } = await this.target(ctx, clientId);
    const jambonz = api ?? this.connections.clientFor(connection);
    const modelId = data.modelId ?? DEFAULT_TTS_MODELS[data.vendor];
    const existing = await this.find(jambonz, connection.accountSid, data.vendor, label);

    let sid: string;
    let action: SpeechPushAction;
    if (existing && !forceReplace && existing.api_key === obscuredLikeJambonz(data.apiKey)) {
      sid = existing.speech_credential_sid;
      if (existing.model_id !== modelId || existing.use_for_tts !== 1) {
        await jambonz.updateSpeechCredential(connection.accountSid, sid, { use_for_tts: true, model_id: modelId });
        action = 'updated';
      } else {
        action = 'unchanged';
      }
    } else {
      if (existing) await jambonz.deleteSpeechCredential(connection.accountSid, existing.speech_credential_sid);
      sid = (await jambonz.createSpeechCredential(connection.accountSid, credentialInput(data.vendor, label, data.apiKey, modelId))).sid;
      action = existing ? 'replaced' : 'created';
    }
    if (action !== 'unchanged') this.options.logger.info({ brandId: ctx.brandId, clientId, vendor: data.vendor, label, action }, 'jambonz speech credential pushed');
    const profileLabelled = clientId ? await this.labelProfile(ctx, clientId, data.vendor, label, label) : false;
    return { label, sid, action, profileLabelled };
  }

  /** A client's context may act for itself only; the brand's for any of its clients. */
  private clientOf(ctx: TenantContext, clientId: string | null): string | null {
    if (ctx.clientId && clientId !== ctx.clientId) {
      throw new TeroError('auth.forbidden', "a client may push only its own speech key", { need: 'brand admin' }, { status: 403 });
    }
    return clientId;
  }

  private async target(ctx: TenantContext, clientId: string | null): Promise<{ connection: JambonzConnection; label: string }> {
    const em = this.db.forTenant({ ...ctx, clientId: null });
    let slug: string | null = null;
    if (clientId) {
      const client = await em.findOne(Client, { id: clientId });
      if (!client) throw new ValidationError([{ field: 'clientId', reason: 'no such client in this brand' }]);
      slug = client.slug;
    }
    const connection = await this.connections.connectionOf(ctx.brandId);
    if (!connection) throw jambonzNotConnected(ctx.brandId);
    return { connection, label: speechLabelFor(slug) };
  }

  private async find(api: JambonzApiClient, accountSid: string, vendor: PushedSpeechVendor, label: string): Promise<JambonzSpeechCredentialRecord | undefined> {
    const listed = await api.listSpeechCredentials(accountSid);
    return listed.find((c) => c.vendor === vendor && c.label === label && c.account_sid === accountSid);
  }

  /**
   * Sets (or, with `to` null, clears) the label the client's agent selects, when its voice is of this
   * vendor. Returns whether the agent selects `label` now.
   */
  private async labelProfile(ctx: TenantContext, clientId: string, vendor: PushedSpeechVendor, label: string, to: string | null): Promise<boolean> {
    const clientCtx = { ...ctx, clientId };
    const em = this.db.forTenant(clientCtx);
    const profile = await em.findOne(AgentProfile, { client: clientId });
    const voice = profile?.voice;
    if (!profile || !voice || voice.vendor !== vendor) return false;
    if (to === null) {
      if (voice.label !== label) return false;
      const { label: _dropped, ...rest } = voice;
      profile.voice = rest;
    } else if (voice.label !== to) {
      profile.voice = { ...voice, label: to };
    } else {
      return true;
    }
    await em.flush();
    this.options.onProfileChange?.(clientCtx);
    return to !== null;
  }
}

function credentialInput(vendor: PushedSpeechVendor, label: string, apiKey: string, modelId: string): JambonzSpeechCredentialInput {
  // Our agents use these vendors to speak; recognition stays with the account's recognizer.
  return vendor === 'elevenlabs'
    ? { vendor, label, api_key: apiKey, model_id: modelId, use_for_tts: true, use_for_stt: false }
    : { vendor, label, api_key: apiKey, model_id: modelId, use_for_tts: true, use_for_stt: false };
}
