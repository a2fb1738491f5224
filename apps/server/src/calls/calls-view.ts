import { type CallDetail, type CallLogItem, type CallLogQuery, type CallTimelineEntry } from '@tero/analytics';
import { formatLocal } from '@tero/core';
import { CALL_OUTCOMES } from '@tero/db';
import type { TFunction } from 'i18next';

/** `2026-03-09 23:30` in the client's zone: the call log shows the business's own clock. */
export function localDateTime(instant: Date, timezone: string): string {
  return formatLocal(instant, timezone).replace('T', ' ');
}

/** `4:05` for 245 seconds; empty for none. */
export function durationText(seconds: number | null): string {
  if (seconds === null) return '';
  const s = Math.max(0, Math.round(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

/** Money in minor units as the reader's locale writes it. */
export function moneyText(minor: number, currency: string, locale: string): string {
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

/** The filters of a query as a form shows them again (and as the next page's link carries them). */
export function formValues(query: CallLogQuery, range: { from: string; to: string }): Record<string, string> {
  return {
    from: range.from,
    to: range.to,
    outcome: query.outcomes?.join(',') ?? '',
    caller: query.caller ?? '',
    minDuration: query.minDurationSeconds?.toString() ?? '',
    maxDuration: query.maxDurationSeconds?.toString() ?? '',
    q: query.text ?? '',
    sort: query.sort ?? 'newest',
  };
}

/** A page of the log with the same filters: the first one (no cursor) or the one a cursor starts. */
export function pageHref(values: Record<string, string>, cursor: string | null, limit: number | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
  if (limit) params.set('limit', String(limit));
  if (cursor) params.set('cursor', cursor);
  return `/calls?${params.toString()}`;
}

export function outcomeOptions(t: TFunction, selected: string): { value: string; label: string; selected: boolean }[] {
  return CALL_OUTCOMES.map((o) => ({ value: o, label: t(`analytics:calls.outcomes.${o}`), selected: selected === o }));
}

export function logRow(item: CallLogItem, timezone: string, t: TFunction) {
  return {
    id: item.id,
    when: localDateTime(item.startedAt, timezone),
    from: item.fromNumber,
    callerName: item.callerName,
    route: t(`analytics:calls.routes.${item.route}`, { defaultValue: item.route }),
    outcome: item.outcome ? t(`analytics:calls.outcomes.${item.outcome}`) : t('analytics:calls.inProgress'),
    duration: durationText(item.durationSeconds),
    turns: item.turnCount,
    snippet: item.snippet,
  };
}

/**
 * A timeline step's label: its translation (`status:ringing` → `calls.events.status_ringing`), else that
 * of the part before the colon (`confirmation_texted:<booking>` → `calls.events.confirmation_texted`, for
 * steps a call may take once per booking), else the key itself.
 */
export function eventLabel(t: TFunction, key: string): string {
  const kind = key.split(':')[0]!;
  const fallback = kind !== key ? t(`analytics:calls.events.${kind.replace(/[^a-z_]/gi, '_')}`, { defaultValue: key }) : key;
  return t(`analytics:calls.events.${key.replace(/[^a-z_]/gi, '_')}`, { defaultValue: fallback });
}

function timelineRow(entry: CallTimelineEntry, timezone: string, t: TFunction) {
  const at = formatLocal(entry.at, timezone).slice(11) + `:${String(new Date(entry.at).getUTCSeconds()).padStart(2, '0')}`;
  if (entry.kind === 'turn') return { at, turn: true, speaker: t(`analytics:calls.speakers.${entry.speaker}`), text: entry.text };
  const details = Object.entries(entry.data)
    .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
  return { at, turn: false, label: eventLabel(t, entry.key), details };
}

/** Everything the call detail page prints, in the reader's language and the client's clock. */
export function detailView(detail: CallDetail, t: TFunction, locale: string) {
  const { call, timezone } = detail;
  return {
    call: {
      ...call,
      when: localDateTime(call.startedAt, timezone),
      ended: call.endedAt ? localDateTime(call.endedAt, timezone) : '',
      duration: durationText(call.durationSeconds),
      outcomeLabel: call.outcome ? t(`analytics:calls.outcomes.${call.outcome}`) : t('analytics:calls.inProgress'),
      routeLabel: t(`analytics:calls.routes.${call.route}`, { defaultValue: call.route }),
    },
    timezone,
    timeline: detail.timeline.map((e) => timelineRow(e, timezone, t)),
    transcript: detail.transcript.map((l) => ({ speaker: t(`analytics:calls.speakers.${l.speaker}`), caller: l.speaker === 'caller', text: l.text })),
    recordings: detail.recordings.map((r) => ({ ...r, src: `/calls/${call.id}/recording?id=${r.id}`, duration: durationText(Math.round(r.durationMs / 1000)), statusLabel: t(`analytics:calls.recordingStatus.${r.status}`) })),
    booking: detail.booking
      ? { ...detail.booking, when: localDateTime(detail.booking.startsAt, timezone), value: moneyText(detail.booking.valueMinor, detail.booking.currency, locale), statusLabel: t(`analytics:calls.bookingStatus.${detail.booking.status}`, { defaultValue: detail.booking.status }) }
      : null,
    message: detail.message,
    transfer: detail.transfer
      ? {
          ...detail.transfer,
          resultLabel: t(detail.transfer.connected ? 'analytics:calls.transfer.connected' : 'analytics:calls.transfer.notConnected'),
          followUpLabel: detail.transfer.followUp ? t(`analytics:calls.transfer.followUps.${detail.transfer.followUp}`, { defaultValue: detail.transfer.followUp }) : '',
        }
      : null,
  };
}
