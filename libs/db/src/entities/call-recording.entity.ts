import type { Opt } from '@mikro-orm/core';
import { Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Call } from './call.entity';
import { Client } from './client.entity';

/** `recording` while the stream is open; `complete` when it closed normally; `partial` when it broke off mid-call (kept). */
export const RECORDING_STATUSES = ['recording', 'complete', 'partial'] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

/** A call's audio, captured from a jambonz `listen` stream and stored as WAV in file storage. */
@Entity({ tableName: 'call_recordings' })
@Index({ properties: ['client', 'startedAt'] })
// A call's detail page looks its recordings up by call.
@Index({ properties: ['call'] })
export class CallRecording extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @ManyToOne(() => Client, { deleteRule: 'cascade' })
  client!: Client;

  @ManyToOne(() => Call, { deleteRule: 'cascade' })
  call!: Call;

  @Property({ type: 'string', length: 300 })
  storageKey!: string;

  @Enum({ items: () => RECORDING_STATUSES, type: 'string', length: 10 })
  status: RecordingStatus & Opt = 'recording';

  @Property({ type: 'integer' })
  sampleRate!: number;

  @Property({ type: 'integer' })
  channels!: number;

  /** Bytes of PCM audio (the WAV file is 44 bytes more). */
  @Property({ type: 'integer' })
  bytes: number & Opt = 0;

  @Property({ type: 'integer' })
  durationMs: number & Opt = 0;

  @Property({ type: 'datetime' })
  startedAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  endedAt?: Date | null;

  /** Deleted by the retention job after this. */
  @Index()
  @Property({ type: 'datetime', nullable: true })
  expiresAt?: Date | null;
}
