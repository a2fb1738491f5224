import type { Database } from '@tero/db';
import { MonitoringSql, idOrNull, num, numOrNull, selectRows } from './monitoring-sql';
import { WEBHOOK_FAILURE_ALERT_TYPES } from './monitoring.settings';

/** The period a monitoring page shows, and the width of its plots' buckets. */
export const MONITORING_RANGES = {
  '24h': { buckets: 24, bucketSeconds: 3600 },
  '7d': { buckets: 7 * 24, bucketSeconds: 3600 },
  '30d': { buckets: 30, bucketSeconds: 86_400 },
} as const;
export type MonitoringRange = keyof typeof MONITORING_RANGES;

export function isMonitoringRange(value: unknown): value is MonitoringRange {
  return typeof value === 'string' && Object.hasOwn(MONITORING_RANGES, value);
}

/** Whose figures: one brand (a brand admin), or several (the operator); none gives empty figures. */
export interface MonitoringScope {
  brandIds: readonly string[];
}

/** Calls grouped one way (a carrier, a client, everything): attempts, answers, SIP answers. */
export interface CallFigures {
  attempts: number;
  answered: number;
  /** answered / attempts; null without attempts. */
  asr: number | null;
  /** Seconds, over answered calls; null without any. */
  averageDurationSeconds: number | null;
  /** SIP final status → calls, most frequent first. */
  sipStatuses: { status: number; calls: number }[];
}

export interface CarrierFigures extends CallFigures {
  brandId: string;
  /** jambonz's `trunk`; null when it named none. */
  carrier: string | null;
}

export interface ClientFigures extends CallFigures {
  brandId: string;
  /** Null: calls to numbers no client of ours holds (yet). */
  clientId: string | null;
  clientName: string | null;
  /** Speech-to-text latency jambonz reported for the client's callers' turns, nearest-rank percentiles (ms). */
  stt: LatencyFigures;
  /** jambonz's webhook-failure alerts about the client's calls (attributed by the alert's call sid). */
  webhookFailures: number;
}

export interface LatencyFigures {
  samples: number;
  p50: number | null;
  p95: number | null;
}

/** One bucket of the time series (`at`: its start, epoch seconds). */
export interface SeriesPoint {
  at: number;
  attempts: number;
  answered: number;
  asr: number | null;
  /** Calls by SIP status class: `2xx`, `3xx`, `4xx`, `5xx`, `6xx`. */
  sip: Record<SipClass, number>;
  webhookFailures: number;
}

export const SIP_CLASSES = ['2xx', '3xx', '4xx', '5xx', '6xx'] as const;
export type SipClass = (typeof SIP_CLASSES)[number];

export interface MonitoringOverview {
  range: MonitoringRange;
  from: Date;
  to: Date;
  bucketSeconds: number;
  totals: CallFigures & { webhookFailures: number; stt: LatencyFigures };
  carriers: CarrierFigures[];
  clients: ClientFigures[];
  /** jambonz alerts in the period by type (webhook failures and the rest), most frequent first. */
  alertTypes: { alertType: string; count: number }[];
  series: SeriesPoint[];
}

interface Group {
  attempts: number;
  answered: number;
  answeredSeconds: number;
  statuses: Map<number, number>;
}

const newGroup = (): Group => ({ attempts: 0, answered: 0, answeredSeconds: 0, statuses: new Map() });

function figuresOf(group: Group): CallFigures {
  return {
    attempts: group.attempts,
    answered: group.answered,
    asr: group.attempts ? group.answered / group.attempts : null,
    averageDurationSeconds: group.answered ? group.answeredSeconds / group.answered : null,
    sipStatuses: [...group.statuses].map(([status, calls]) => ({ status, calls })).sort((a, b) => b.calls - a.calls || a.status - b.status),
  };
}

/**
 * The monitoring pages' figures, read with a handful of grouped SQL statements over the ingested jambonz
 * records (`jambonz_call_records` by brand and time: its `(brand_id, attempted_at)` index), the alerts
 * (`(brand_id, occurred_at)`), and our own calls' turns for speech-to-text latency (calls by
 * `(client_id, started_at)`). The SQL is the same on SQLite and PostgreSQL but for date buckets; the
 * caller chooses the brands, and nothing outside them is read.
 */
export class MonitoringQueries {
  private readonly sql: MonitoringSql;

  constructor(
    private readonly db: Database,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.sql = new MonitoringSql(db.kind);
  }

  /** The period ending now, its buckets aligned on whole hours (days) in UTC. */
  window(range: MonitoringRange): { from: Date; to: Date; bucketSeconds: number; buckets: number } {
    const { buckets, bucketSeconds } = MONITORING_RANGES[range];
    const to = this.clock();
    const lastBucket = Math.floor(to.getTime() / 1000 / bucketSeconds) * bucketSeconds;
    return { from: new Date((lastBucket - (buckets - 1) * bucketSeconds) * 1000), to, bucketSeconds, buckets };
  }

  async overview(scope: MonitoringScope, range: MonitoringRange): Promise<MonitoringOverview> {
    const { from, to, bucketSeconds, buckets } = this.window(range);
    const em = this.db.forInstance('monitoring figures of the brands the caller may see (scope checked by the caller)');
    const brands = [...scope.brandIds];
    const inBrands = this.sql.inList(brands);

    const grouped = await selectRows(
      em,
      `select r.brand_id, r.trunk, r.client_id, r.sip_status,
              count(*) as attempts,
              sum(case when r.answered then 1 else 0 end) as answered,
              sum(case when r.answered then r.duration_seconds else 0 end) as answered_seconds
         from jambonz_call_records r
        where r.brand_id ${inBrands} and r.attempted_at >= ? and r.attempted_at < ?
        group by r.brand_id, r.trunk, r.client_id, r.sip_status`,
      [...brands, from, to],
    );
    const bucket = this.sql.bucket('r.attempted_at', bucketSeconds);
    const series = await selectRows(
      em,
      `select ${bucket} as at,
              count(*) as attempts,
              sum(case when r.answered then 1 else 0 end) as answered,
              ${SIP_CLASSES.map((c, i) => `sum(case when r.sip_status >= ${(i + 2) * 100} and r.sip_status < ${(i + 3) * 100} then 1 else 0 end) as s${c}`).join(',\n              ')}
         from jambonz_call_records r
        where r.brand_id ${inBrands} and r.attempted_at >= ? and r.attempted_at < ?
        group by ${bucket}`,
      [...brands, from, to],
    );
    const alertBucket = this.sql.bucket('a.occurred_at', bucketSeconds);
    const webhookTypes = [...WEBHOOK_FAILURE_ALERT_TYPES];
    const failures = await selectRows(
      em,
      `select ${alertBucket} as at, count(*) as failures
         from jambonz_alerts a
        where a.brand_id ${inBrands} and a.occurred_at >= ? and a.occurred_at < ? and a.alert_type ${this.sql.inList(webhookTypes)}
        group by ${alertBucket}`,
      [...brands, from, to, ...webhookTypes],
    );
    const alertTypes = await selectRows(
      em,
      `select a.alert_type, count(*) as n
         from jambonz_alerts a
        where a.brand_id ${inBrands} and a.occurred_at >= ? and a.occurred_at < ?
        group by a.alert_type`,
      [...brands, from, to],
    );
    const clientFailures = await selectRows(
      em,
      `select a.brand_id, a.client_id, count(*) as n
         from jambonz_alerts a
        where a.brand_id ${inBrands} and a.occurred_at >= ? and a.occurred_at < ? and a.alert_type ${this.sql.inList(webhookTypes)}
        group by a.brand_id, a.client_id`,
      [...brands, from, to, ...webhookTypes],
    );
    const clientNames = await selectRows(em, `select c.id, c.name, c.brand_id from clients c where c.brand_id ${inBrands}`, brands);
    const stt = await this.sttLatency(brands, from, to);

    // Carriers, clients and the whole from one grouped read.
    const carriers = new Map<string, { brandId: string; carrier: string | null; group: Group }>();
    const clients = new Map<string, { brandId: string; clientId: string | null; group: Group }>();
    const total = newGroup();
    for (const row of grouped) {
      const brandId = String(row.brand_id);
      const trunk = (row.trunk as string | null) ?? null;
      const clientId = idOrNull(row.client_id);
      const status = num(row.sip_status);
      const attempts = num(row.attempts);
      const answered = num(row.answered);
      const seconds = num(row.answered_seconds);
      const carrierKey = `${brandId}\u0000${trunk ?? ''}`;
      const clientKey = `${brandId}\u0000${clientId ?? ''}`;
      if (!carriers.has(carrierKey)) carriers.set(carrierKey, { brandId, carrier: trunk, group: newGroup() });
      if (!clients.has(clientKey)) clients.set(clientKey, { brandId, clientId, group: newGroup() });
      for (const group of [carriers.get(carrierKey)!.group, clients.get(clientKey)!.group, total]) {
        group.attempts += attempts;
        group.answered += answered;
        group.answeredSeconds += seconds;
        group.statuses.set(status, (group.statuses.get(status) ?? 0) + attempts);
      }
    }
    const names = new Map(clientNames.map((row) => [String(row.id), String(row.name)]));
    const noStt: LatencyFigures = { samples: 0, p50: null, p95: null };
    // Clients with speech samples but no ingested jambonz record still get their row.
    for (const [clientId, figures] of stt.byClient) {
      const key = `${figures.brandId}\u0000${clientId}`;
      if (!clients.has(key)) clients.set(key, { brandId: figures.brandId, clientId, group: newGroup() });
    }

    // Clients whose calls' webhooks failed get their row, even without an ingested call record.
    const failuresByClient = new Map<string, number>();
    for (const row of clientFailures) {
      const clientId = idOrNull(row.client_id);
      const key = `${String(row.brand_id)}\u0000${clientId ?? ''}`;
      failuresByClient.set(key, num(row.n));
      // Failures no call of ours explains stay in the totals only.
      if (clientId && !clients.has(key)) clients.set(key, { brandId: String(row.brand_id), clientId, group: newGroup() });
    }

    const failuresByBucket = new Map(failures.map((row) => [num(row.at), num(row.failures)]));
    const seriesByBucket = new Map(series.map((row) => [num(row.at), row]));
    const points: SeriesPoint[] = [];
    const first = from.getTime() / 1000;
    for (let i = 0; i < buckets; i++) {
      const at = first + i * bucketSeconds;
      const row = seriesByBucket.get(at);
      const attempts = num(row?.attempts);
      const answered = num(row?.answered);
      points.push({
        at,
        attempts,
        answered,
        asr: attempts ? answered / attempts : null,
        sip: Object.fromEntries(SIP_CLASSES.map((c) => [c, num(row?.[`s${c}`])])) as Record<SipClass, number>,
        webhookFailures: failuresByBucket.get(at) ?? 0,
      });
    }
    const types = alertTypes.map((row) => ({ alertType: String(row.alert_type), count: num(row.n) })).sort((a, b) => b.count - a.count || a.alertType.localeCompare(b.alertType));
    const webhookFailures = types.filter((t) => (WEBHOOK_FAILURE_ALERT_TYPES as readonly string[]).includes(t.alertType)).reduce((sum, t) => sum + t.count, 0);

    return {
      range,
      from,
      to,
      bucketSeconds,
      totals: { ...figuresOf(total), webhookFailures, stt: stt.overall },
      carriers: [...carriers.values()]
        .map(({ brandId, carrier, group }) => ({ brandId, carrier, ...figuresOf(group) }))
        .sort((a, b) => b.attempts - a.attempts || String(a.carrier).localeCompare(String(b.carrier))),
      clients: [...clients.values()]
        .map(({ brandId, clientId, group }) => ({
          brandId,
          clientId,
          clientName: clientId ? (names.get(clientId) ?? null) : null,
          ...figuresOf(group),
          stt: (clientId && stt.byClient.get(clientId)?.figures) || noStt,
          webhookFailures: failuresByClient.get(`${brandId}\u0000${clientId ?? ''}`) ?? 0,
        }))
        .sort((a, b) => b.attempts - a.attempts || String(a.clientName).localeCompare(String(b.clientName))),
      alertTypes: types,
      series: points,
    };
  }

  /**
   * p50 and p95 of the speech-to-text latency jambonz reported on caller turns of calls started in the
   * period, per client and overall. Nearest rank (the value at rank ⌈q·n⌉, exact, no interpolation),
   * with window functions both engines have; ⌈q·n⌉ in integer arithmetic.
   */
  private async sttLatency(brands: string[], from: Date, to: Date): Promise<{ overall: LatencyFigures; byClient: Map<string, { brandId: string; figures: LatencyFigures }> }> {
    const em = this.db.forInstance('monitoring: speech latency of the brands the caller may see');
    const inBrands = this.sql.inList(brands);
    const samples = `select c.brand_id as brand_id, c.client_id as client_id, t.stt_latency_ms as v
                       from calls c join call_turns t on t.call_id = c.id
                      where c.client_id in (select id from clients where brand_id ${inBrands})
                        and c.started_at >= ? and c.started_at < ? and t.speaker = 'caller' and t.stt_latency_ms is not null`;
    const params = [...brands, from, to];
    const pick = `max(n) as n, max(case when rn = (n + 1) / 2 then v end) as p50, max(case when rn = (n * 95 + 99) / 100 then v end) as p95`;
    const perClient = await selectRows(
      em,
      `with s as (${samples}), r as (
         select brand_id, client_id, v, row_number() over (partition by client_id order by v) as rn, count(*) over (partition by client_id) as n from s)
       select brand_id, client_id, ${pick} from r group by brand_id, client_id`,
      params,
    );
    const overall = await selectRows(em, `with s as (${samples}), r as (select v, row_number() over (order by v) as rn, count(*) over () as n from s) select ${pick} from r`, params);
    const byClient = new Map<string, { brandId: string; figures: LatencyFigures }>();
    for (const row of perClient) {
      byClient.set(String(row.client_id), { brandId: String(row.brand_id), figures: { samples: num(row.n), p50: numOrNull(row.p50), p95: numOrNull(row.p95) } });
    }
    const o = overall[0];
    return { overall: { samples: num(o?.n), p50: numOrNull(o?.p50), p95: numOrNull(o?.p95) }, byClient };
  }
}
