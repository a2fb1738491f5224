import { parseInput } from '@tero/accounts';
import { Brand, type Database } from '@tero/db';
import { z } from 'zod';
import { DEFAULT_MONITORING_SETTINGS, type MonitoringSettings } from './monitoring.settings';

const MINUTE = 60_000;

/** Bounds of each threshold an operator may set for a brand, in the units the page shows. */
export const MONITORING_THRESHOLD_BOUNDS = {
  asrAlertBelowPercent: { min: 1, max: 99 },
  asrMinAttempts: { min: 1, max: 10_000 },
  asrWindowMinutes: { min: 5, max: 1440 },
  webhookFailuresAlertAt: { min: 1, max: 100_000 },
  webhookFailureWindowMinutes: { min: 1, max: 1440 },
  cooldownMinutes: { min: 5, max: 10_080 },
} as const;
export type MonitoringThresholdKey = keyof typeof MONITORING_THRESHOLD_BOUNDS;
export const MONITORING_THRESHOLD_KEYS = Object.keys(MONITORING_THRESHOLD_BOUNDS) as MonitoringThresholdKey[];

/** A brand's own thresholds: each absent key takes the instance's default. */
export type BrandMonitoringThresholds = Partial<Record<MonitoringThresholdKey, number>>;

/** A whole number within the key's bounds; a form's text is read as a number, a blank one as "the default". */
function bounded(key: MonitoringThresholdKey) {
  const { min, max } = MONITORING_THRESHOLD_BOUNDS[key];
  return z.preprocess(
    (value) => (typeof value === 'string' ? (value.trim() === '' ? undefined : Number(value.trim())) : value === null ? undefined : value),
    z.number(`must be a whole number from ${min} to ${max}`).int(`must be a whole number from ${min} to ${max}`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`).optional(),
  );
}

/** What the operator may set for a brand (unknown keys refused; blank or null: the instance's default). */
export const brandMonitoringThresholdsSchema = z.strictObject(Object.fromEntries(MONITORING_THRESHOLD_KEYS.map((key) => [key, bounded(key)])) as Record<MonitoringThresholdKey, ReturnType<typeof bounded>>);

/** The thresholds in the page's units, from settings in force. */
export function thresholdsOf(settings: MonitoringSettings): Required<BrandMonitoringThresholds> {
  return {
    asrAlertBelowPercent: Math.round(settings.asrAlertBelow * 100),
    asrMinAttempts: settings.asrMinAttempts,
    asrWindowMinutes: Math.round(settings.asrWindowMs / MINUTE),
    webhookFailuresAlertAt: settings.webhookFailuresAlertAt,
    webhookFailureWindowMinutes: Math.round(settings.webhookFailureWindowMs / MINUTE),
    cooldownMinutes: Math.round(settings.cooldownMs / MINUTE),
  };
}

/**
 * The settings in force for a brand: the instance's, with the brand's stored thresholds over them. A stored
 * value that no longer passes (bounds changed since) is left out rather than trusted.
 */
export function brandMonitoringSettings(instance: MonitoringSettings, stored: unknown): MonitoringSettings {
  const own = parseStored(stored) ?? {};
  return {
    ...instance,
    ...(own.asrAlertBelowPercent !== undefined ? { asrAlertBelow: own.asrAlertBelowPercent / 100 } : {}),
    ...(own.asrMinAttempts !== undefined ? { asrMinAttempts: own.asrMinAttempts } : {}),
    ...(own.asrWindowMinutes !== undefined ? { asrWindowMs: own.asrWindowMinutes * MINUTE } : {}),
    ...(own.webhookFailuresAlertAt !== undefined ? { webhookFailuresAlertAt: own.webhookFailuresAlertAt } : {}),
    ...(own.webhookFailureWindowMinutes !== undefined ? { webhookFailureWindowMs: own.webhookFailureWindowMinutes * MINUTE } : {}),
    ...(own.cooldownMinutes !== undefined ? { cooldownMs: own.cooldownMinutes * MINUTE } : {}),
  };
}

/** A brand's thresholds as the operator's page shows them: those in force, the brand's own, the instance's. */
export interface BrandThresholdsView {
  effective: MonitoringSettings;
  own: BrandMonitoringThresholds;
  instance: Required<BrandMonitoringThresholds>;
}

/**
 * The operator's per-brand monitoring thresholds (`brands.monitoring_settings`): when a carrier's answer
 * ratio or the webhook failures alert the operators, and how long a lasting condition stays quiet. The
 * instance's settings are the default of every key a brand does not set.
 */
export class MonitoringThresholds {
  private readonly instance: MonitoringSettings;

  constructor(
    private readonly db: Database,
    instance: Partial<MonitoringSettings> = {},
  ) {
    this.instance = { ...DEFAULT_MONITORING_SETTINGS, ...instance };
  }

  /** The settings in force for the brand. */
  async settingsFor(brandId: string): Promise<MonitoringSettings> {
    return (await this.view(brandId)).effective;
  }

  async view(brandId: string): Promise<BrandThresholdsView> {
    const brand = await this.db.forInstance('monitoring thresholds of a brand').findOne(Brand, { id: brandId }, { fields: ['id', 'monitoringSettings'] });
    const own = parseStored(brand?.monitoringSettings) ?? {};
    return { effective: brandMonitoringSettings(this.instance, own), own, instance: thresholdsOf(this.instance) };
  }

  /** Replaces the brand's thresholds with those given (blank ones fall back to the instance's); bad input changes nothing. */
  async update(brandId: string, input: unknown): Promise<BrandThresholdsView> {
    const data = parseInput(brandMonitoringThresholdsSchema, input);
    const own = Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined));
    await this.db.forInstance('the operator sets a brand\'s monitoring thresholds').nativeUpdate(Brand, { id: brandId }, { monitoringSettings: Object.keys(own).length ? own : null });
    return this.view(brandId);
  }
}

/** The stored thresholds, the keys that still pass. */
function parseStored(stored: unknown): BrandMonitoringThresholds | null {
  if (!stored || typeof stored !== 'object') return null;
  const own: BrandMonitoringThresholds = {};
  for (const key of MONITORING_THRESHOLD_KEYS) {
    const parsed = bounded(key).safeParse((stored as Record<string, unknown>)[key]);
    if (parsed.success && parsed.data !== undefined) own[key] = parsed.data as number;
  }
  return own;
}
