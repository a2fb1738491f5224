export * from './base.entity';
export * from './brand.entity';
export * from './client.entity';
export * from './user.entity';
export * from './session.entity';
export * from './magic-link.entity';
export * from './plugin-setting.entity';
export * from './phone-number.entity';
export * from './jambonz-account.entity';
export * from './agent-profile.entity';
export * from './call.entity';
export * from './call-turn.entity';
export * from './call-event.entity';
export * from './booking.entity';
export * from './booking-slot.entity';
export * from './caller-message.entity';

import { Brand } from './brand.entity';
import { Client } from './client.entity';
import { MagicLink } from './magic-link.entity';
import { PluginSetting } from './plugin-setting.entity';
import { PhoneNumber } from './phone-number.entity';
import { JambonzAccount } from './jambonz-account.entity';
import { AgentProfile } from './agent-profile.entity';
import { Call } from './call.entity';
import { CallTurn } from './call-turn.entity';
import { CallEvent } from './call-event.entity';
import { Booking } from './booking.entity';
import { BookingSlot } from './booking-slot.entity';
import { CallerMessage } from './caller-message.entity';
import { Session } from './session.entity';
import { User } from './user.entity';

/** Every entity, listed explicitly: no folder scanning at boot. */
export const ENTITIES = [Brand, Client, User, Session, MagicLink, PluginSetting, PhoneNumber, JambonzAccount, AgentProfile, Call, CallTurn, CallEvent, Booking, BookingSlot, CallerMessage];
