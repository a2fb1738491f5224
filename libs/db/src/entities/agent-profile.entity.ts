import type { Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, OneToOne, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';
import { Brand } from './brand.entity';
import { Client } from './client.entity';

/** Opening hours per weekday (`mon`…`sun`), local `HH:MM` intervals; `[]` is closed. */
export type ProfileHours = Record<string, [string, string][]>;

/** A day that differs from the week: a holiday (`hours` empty) or an exception day with its own hours. */
export interface ProfileDayException {
  /** Local date `YYYY-MM-DD`. */
  date: string;
  name?: string;
  hours: [string, string][];
}

export interface ProfileService {
  id: string;
  /** Per locale. */
  name: Record<string, string>;
  /** Other words callers use for it, per locale. */
  keywords?: Record<string, string[]>;
  durationMinutes: number;
  /** Minutes kept free after it. */
  bufferMinutes: number;
  /** Typical value in minor units of the brand's currency. */
  priceMinor: number;
  bookable: boolean;
}

export interface ProfileFaq {
  id: string;
  question: Record<string, string>;
  answer: Record<string, string>;
  keywords?: Record<string, string[]>;
}

/** What happens to a call on a given route. */
export type RoutePolicy = 'ai' | 'voicemail' | 'forward';

export interface ProfilePolicies {
  afterHours: RoutePolicy;
  holiday: RoutePolicy;
  suspended: 'voicemail' | 'forward' | 'message';
  quotaExceeded: 'voicemail' | 'forward' | 'message';
  /** On an emergency keyword: transfer to the on-call number, or take an urgent message. */
  emergency: 'transfer' | 'message';
}

export interface ProfileVoice {
  /** jambonz synthesizer vendor: `elevenlabs`, `cartesia`, `google`… */
  vendor: string;
  voiceId: string;
  /** jambonz speech-credential label when the client brings its own key. */
  label?: string;
  language?: string;
}

/** Call queue settings: callers wait with hold music when the client's humans are busy. */
export interface ProfileQueue {
  enabled: boolean;
  /** Audio URL played while waiting (jambonz `play`); absent: the instance's default hold music. */
  holdMusicUrl?: string;
  /** After this, the caller is offered a message instead of waiting longer. */
  maxWaitSeconds: number;
  /** Seconds between position announcements. */
  announceEverySeconds: number;
}

/**
 * A client's agent: what it knows (hours, services, FAQ), how it routes calls, and its voice. Created
 * from the client's profession pack and edited by the owner.
 */
@Entity({ tableName: 'agent_profiles' })
export class AgentProfile extends BaseEntity {
  @ManyToOne(() => Brand, { deleteRule: 'cascade' })
  brand!: Brand;

  @OneToOne(() => Client, { owner: true, deleteRule: 'cascade', unique: true })
  client!: Client;

  @Property({ type: 'string', length: 60 })
  agentName: string & Opt = 'Ava';

  @Property({ type: 'string', length: 300 })
  address: string & Opt = '';

  /** The business's public phone number, said to callers. */
  @Property({ type: 'string', length: 20 })
  businessPhone: string & Opt = '';

  @Property({ type: 'json' })
  hours!: ProfileHours;

  @Property({ type: 'json' })
  exceptions: ProfileDayException[] & Opt = [];

  @Property({ type: 'json' })
  services!: ProfileService[];

  @Property({ type: 'json' })
  faq!: ProfileFaq[];

  /** Extra emergency words per locale, added to the pack's. */
  @Property({ type: 'json' })
  emergencyKeywords: Record<string, string[]> & Opt = {};

  /** How many bookings can run at once (chairs, vans, staff). */
  @Property({ type: 'integer' })
  capacity: number & Opt = 1;

  /** Where "speak to a person" goes (E.164). */
  @Property({ type: 'string', length: 20, nullable: true })
  transferNumber?: string | null;

  /** Where emergencies go (E.164). */
  @Property({ type: 'string', length: 20, nullable: true })
  onCallNumber?: string | null;

  @Property({ type: 'json' })
  policies!: ProfilePolicies;

  /** Callers (E.164) the agent does not answer. */
  @Property({ type: 'json' })
  blockedCallers: string[] & Opt = [];

  @Property({ type: 'boolean' })
  recordCalls: boolean & Opt = false;

  /** Whether the agent texts the caller a confirmation of what they booked (an SMS through the brand's jambonz). */
  @Property({ type: 'boolean' })
  textConfirmations: boolean & Opt = true;

  /** Whether callers are told they speak with an AI (always before any recording). */
  @Property({ type: 'boolean' })
  aiDisclosure: boolean & Opt = true;

  @Property({ type: 'json', nullable: true })
  voice?: ProfileVoice | null;

  /** `builtin`, or the id of an LLM plugin (`llm-openai`). */
  @Property({ type: 'string', length: 63 })
  engine: string & Opt = 'builtin';

  /** Whether the agent whispers a summary of the call to the human before bridging a transfer. */
  @Property({ type: 'boolean', nullable: true })
  warmTransfer?: boolean | null;

  @Property({ type: 'json', nullable: true })
  queue?: ProfileQueue | null;

  /** Staff phones (E.164): a call from one of them takes the next caller out of the queue (`dequeue`). */
  @Property({ type: 'json', nullable: true })
  staffNumbers?: string[] | null;

  /** Days a call recording is kept; null: the instance default. */
  @Property({ type: 'integer', nullable: true })
  recordingRetentionDays?: number | null;

  /** Minutes of calls included per calendar month; null is unlimited. */
  @Property({ type: 'integer', nullable: true })
  monthlyMinutes?: number | null;
}
