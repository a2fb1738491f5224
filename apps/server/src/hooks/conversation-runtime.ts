import { join } from 'node:path';
import type { DemoCallSetup } from '@tero/accounts';
import { DATA_PACKAGE_FOLDERS, type LoadedPack, type PluginRegistry, loadPack } from '@tero/core';
import { BuiltinEngine, type ConversationEngine, LlmAgentEngine, type PromptTemplates, buildKnowledge, profileDefaultsFromPack } from '@tero/conversation';
import { LLM, type TenantContext } from '@tero/sdk';
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

/** A client's published prompt templates by locale (the onboarding lib's `Prompts.published`, cached there). */
export type PublishedPrompts = (ctx: TenantContext) => Promise<Record<string, PromptTemplates>>;

/**
 * The conversation layer as the call path uses it: the built-in engine for `builtin` (and whenever an LLM
 * plugin cannot be had, so a caller is always answered), an {@link LlmAgentEngine} over the tenant's
 * `LlmProvider` for an LLM plugin id, and each client's knowledge from its pack and profile, with the
 * client's published prompt instead of the pack's where it has one.
 */
export function createConversationRuntime(deps: { packs: PackShelf; i18n: I18n; registry: PluginRegistry; logger: Logger; publishedPrompts: PublishedPrompts }): ConversationRuntime {
  const { packs, i18n, registry, logger, publishedPrompts } = deps;
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
      const ctx: TenantContext = { brandId: brand.id, clientId: client.id, locale, requestId: 'call-knowledge' };
      const [pack, templates] = await Promise.all([
        packs.get(client.professionPack),
        // A caller must be answered: without the client's own prompt, the pack's still speaks.
        publishedPrompts(ctx).catch((error: unknown) => {
          logger.warn({ err: error, clientId: client.id }, 'the client\'s published prompt could not be read; this call uses the pack\'s');
          return {};
        }),
      ]);
      return buildKnowledge({ pack, profile, client, brand, locale, i18n, templates });
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
