/**
 * How monitoring polls jambonz and when it alerts the operator. The defaults below are the instance's
 * (documented in the operator's monitoring page); the composition root may override any of them, tests do.
 */
export interface MonitoringSettings {
  /** jambonz's largest page (`count`, 1–500): fewer requests per run. */
  pageSize: number;
  /**
   * How far back each RecentCalls poll reaches before the last one's end. jambonz writes a call's record
   * when the call ends, stamped with the time it began, so a call that lasted longer than this and ended
   * after the window moved past its start would be missed: it is an hour, longer than nearly every call
   * an answering service takes. Records seen twice are inserted once.
   */
  callsOverlapMs: number;
  /** The same for Alerts, which jambonz writes as they happen. */
  alertsOverlapMs: number;
  /** How far back the first poll of a new connection reaches. */
  initialLookbackMs: number;
  /** Pages one run reads at most (per kind); the rest waits for the next run, the cursor kept. */
  maxPages: number;
  /** A carrier's answer-seizure ratio (answered / attempts) over {@link asrWindowMs} below this alerts the operator… */
  asrAlertBelow: number;
  /** …once it had at least this many attempts in the window (a few failed calls are no trend). */
  asrMinAttempts: number;
  asrWindowMs: number;
  /** This many webhook-failure alerts or more in {@link webhookFailureWindowMs} alert the operator. */
  webhookFailuresAlertAt: number;
  webhookFailureWindowMs: number;
  /** A condition that lasts is mailed again only after this long. */
  cooldownMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const DEFAULT_MONITORING_SETTINGS: Readonly<MonitoringSettings> = Object.freeze({
  pageSize: 500,
  callsOverlapMs: HOUR,
  alertsOverlapMs: 5 * MINUTE,
  initialLookbackMs: 24 * HOUR,
  maxPages: 200,
  asrAlertBelow: 0.5,
  asrMinAttempts: 10,
  asrWindowMs: HOUR,
  webhookFailuresAlertAt: 10,
  webhookFailureWindowMs: 15 * MINUTE,
  cooldownMs: HOUR,
});

/**
 * The jambonz alert types that say one of our webhooks failed: it answered an error status, could not be
 * reached, was not found, or refused jambonz's credentials (`@jambonz/time-series` AlertType).
 */
export const WEBHOOK_FAILURE_ALERT_TYPES = ['webhook-failure', 'webhook-connection-failure', 'webhook-url-notfound', 'webhook-auth-failure'] as const;

/** What {@link MonitorNotice.kind} holds. */
export const MONITOR_NOTICE_KINDS = { answerRatio: 'answer_ratio', webhookFailures: 'webhook_failures' } as const;
