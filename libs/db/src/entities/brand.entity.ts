import type { Opt } from '@mikro-orm/core';
import { Entity, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from './base.entity';

/** A white-label partner: its domains, theme and look, language, senders and currency. */
@Entity({ tableName: 'brands' })
export class Brand extends BaseEntity {
  @Property({ type: 'string', length: 120 })
  name!: string;

  /** Used as the brand's sub-domain under the instance's BASE_DOMAIN when it has no domain of its own. */
  @Unique()
  @Property({ type: 'string', length: 63 })
  slug!: string;

  /** Host names the brand's dashboards live under: `<client>.<domain>`, and the brand's own pages at `<domain>`. */
  @Property({ type: 'json' })
  domains: string[] & Opt = [];

  @Property({ type: 'string', length: 63 })
  themeId: string & Opt = 'default';

  @Property({ type: 'string', length: 500, nullable: true })
  logoUrl?: string | null;

  /** Overrides of the theme's colour tokens, e.g. `{ colorPrimary: '#0d9488' }`. */
  @Property({ type: 'json' })
  themeTokens: Record<string, string> & Opt = {};

  @Property({ type: 'string', length: 10 })
  defaultLocale: string & Opt = 'en';

  @Property({ type: 'string', length: 254 })
  supportEmail!: string;

  @Property({ type: 'string', length: 254 })
  senderEmail!: string;

  /** ISO 4217, for every price the brand shows. */
  @Property({ type: 'string', length: 3 })
  currency: string & Opt = 'USD';

  /**
   * How the brand bills its clients: tax, invoice prefix and legal details, the dunning schedule. Validated
   * by libs/billing (`brandBillingSettingsSchema`), which also supplies the defaults for absent keys (or a null).
   */
  @Property({ type: 'json', nullable: true })
  billingSettings?: Record<string, unknown> | null;

  /** Days a released number stays quarantined before it can go to another client; null: the instance's `NUMBER_QUARANTINE_DAYS`. */
  @Property({ type: 'integer', nullable: true })
  numberQuarantineDays?: number | null;

  /**
   * The operator's monitoring thresholds for this brand (answer ratio, webhook failures, cool-down), checked
   * by libs/telephony (`brandMonitoringSettingsSchema`); absent keys or a null take the instance's defaults.
   */
  @Property({ type: 'json', nullable: true })
  monitoringSettings?: Record<string, unknown> | null;
}
