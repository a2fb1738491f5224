import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, ManyToOne, OneToOne, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

/**
 * `samples`: the owner is gathering recordings; `cloning`: the vendor job runs; `ready`: calls speak with
 * the cloned voice; `failed`: the vendor refused or stayed unreachable (the reason is kept); `standard`:
 * the owner chose a standard voice instead.
 */
export const VOICE_CLONE_STATUSES = ['samples', 'cloning', 'ready', 'failed', 'standard'] as const;
export type VoiceCloneStatus = (typeof VOICE_CLONE_STATUSES)[number];

/** A reason of a sample's verdict, translated as `voices:reason.<code>`. */
export interface VoiceSampleReason {
  code: string;
  level: 'warning' | 'refused';
  params: Record<string, string | number>;
}

/** One accepted recording: normalized WAV (PCM 16-bit, mono, 24 kHz) in file storage under `key`. */
export interface VoiceSampleRecord {
  id: string;
  key: string;
  fileName: string;
  /** Container as uploaded: `wav`, `mp3`, `m4a`, `ogg`, `webm`. */
  format: string;
  sourceSampleRate: number | null;
  durationSeconds: number;
  bytes: number;
  verdict: 'ok' | 'warning';
  reasons: VoiceSampleReason[];
  addedAt: string;
}

/** A client's own voice: the samples it was made from, the cloning job's progress, the vendor's voice. */
@Entity({ tableName: 'voice_clones' })
export class VoiceClone extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @OneToOne(() => Client, { owner: true, deleteRule: 'cascade', unique: true })
  client!: Client;

  @Enum({ items: () => VOICE_CLONE_STATUSES, type: 'string', length: 10 })
  status: VoiceCloneStatus & Opt = 'samples';

  /** The voice plugin that cloned (or clones) it: `voice-elevenlabs`. */
  @Property({ type: 'string', length: 63, nullable: true })
  engine?: string | null;

  @Property({ type: 'string', length: 200, nullable: true })
  vendorVoiceId?: string | null;

  /** Base language of the samples and the calls: `en`, `es`, `fr`. */
  @Property({ type: 'string', length: 10 })
  language!: string;

  @Property({ type: 'json' })
  samples: VoiceSampleRecord[] & Opt = [];

  /** 0–100 while cloning. */
  @Property({ type: 'integer' })
  progress: number & Opt = 0;

  /** Tries of the current cloning. */
  @Property({ type: 'integer' })
  attempts: number & Opt = 0;

  /** The vendor's reason for the last failure, shown to the owner. */
  @Property({ type: 'text', nullable: true })
  lastError?: string | null;

  @Property({ type: 'string', length: 300, nullable: true })
  previewKey?: string | null;

  @Property({ type: 'string', length: 60, nullable: true })
  previewContentType?: string | null;

  @Property({ type: 'datetime', nullable: true })
  readyAt?: Date | null;
}
