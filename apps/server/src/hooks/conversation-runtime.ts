import { join } from 'node:path';
import type { DemoCallSetup } from '@tero/accounts';
import { DATA_PACKAGE_FOLDERS, type LoadedPack, type PluginRegistry, loadPack } from '@tero/core';
import { BuiltinEngine, type ConversationEngine, LlmAgentEngine, buildKnowledge, profileDefaultsFromPack } from '@tero/conversation';
import { LLM } from '@tero/sdk';
import type { ConversationRuntime, JambonzAccountsService } from '@tero/telephony';
import type { i18n as I18n } from 'i18next';
import type { Logger } from 'pino';

/** Profession packs by id, each read and linted once, on first use. */
export class PackShelf {
  private readonly packs = new Map<string, Promise<LoadedPack>>();

  constructor(private readonly rootDir: string) {}

  get(packId: string): Promise<LoadedPack> {
    let pack = this.packs.get(packId);
    if (!pack) {
      pack = loadPack(join(this.rootDir, DATA_PACKAGE_FOLDERS.packs, packId), { root: this.rootDir });
      this.packs.set(packId, pack);
      pack.catch(() => this.packs.delete(packId));
    }
    return pack;
  }
}

/**
 * The conversation layer as the call path uses it: the built-in engine for `builtin` (and whenever an LLM
 * plugin cannot be had, so a caller is always answered), an {@link LlmAgentEngine} over the tenant's
 * `LlmProvider` for an LLM plugin id, and each client's knowledge from its pack and profile.
 */
export function createConversationRuntime(deps: { packs: PackShelf; i18n: I18n; registry: PluginRegistry; logger: Logger }): ConversationRuntime {
  const { packs, i18n, registry, logger } = deps;
  const builtin = new BuiltinEngine({ i18n });
  const warned = new Set<string>();
  return {
    async engine(ctx, engineId): Promise<ConversationEngine> {
      if (engineId === 'builtin') return builtin;
      try {
        const provider = await registry.get(LLM, ctx, engineId);
        return new LlmAgentEngine({ id: engineId, provider, ctx, i18n, logger });
      } catch (error) {
        if (!warned.has(engineId)) {
          warned.add(engineId);
          logger.warn({ err: error, engineId }, 'LLM engine unavailable; calls use the built-in engine');
        }
        return builtin;
      }
    },
    async knowledge({ client, brand, profile, locale }) {
      return buildKnowledge({ pack: await packs.get(client.professionPack), profile, client, brand, locale, i18n });
    },
  };
}

/** What the demo seed needs to give its clients a phone line: pack defaults and a connected jambonz account. */
export function demoCallSetup(packs: PackShelf, accounts: JambonzAccountsService): DemoCallSetup {
  return {
    profileDefaults: async (packId) => profileDefaultsFromPack(await packs.get(packId)),
    connectJambonz: (ctx, input) => accounts.addAccount(ctx, input),
  };
}
