export * from './base.entity';
export * from './brand.entity';
export * from './client.entity';
export * from './user.entity';
export * from './session.entity';
export * from './magic-link.entity';
export * from './plugin-setting.entity';

import { Brand } from './brand.entity';
import { Client } from './client.entity';
import { MagicLink } from './magic-link.entity';
import { PluginSetting } from './plugin-setting.entity';
import { Session } from './session.entity';
import { User } from './user.entity';

/** Every entity, listed explicitly: no folder scanning at boot. */
export const ENTITIES = [Brand, Client, User, Session, MagicLink, PluginSetting];
