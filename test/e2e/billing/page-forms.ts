import type { PlanView } from '@tero/billing';
import type { TestApp } from '../create-test-app';

/** The `_csrf` value a page rendered for the session in `cookie`. */
export async function formToken(t: TestApp, host: string, cookie: string, path: string): Promise<string> {
  const page = await t.http(host).get(path).set('Cookie', cookie).set('Accept', 'text/html');
  const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  if (!token) throw new Error(`no CSRF token on ${host}${path} (${page.status}): ${page.text.slice(0, 300)}`);
  return token;
}

/**
 * Submits a page's form as a browser does: urlencoded, with the page's CSRF token and the session
 * cookie. `page` is where the form lives (its token is read there).
 */
export async function submitForm(t: TestApp, host: string, cookie: string, page: string, action: string, fields: Record<string, string>) {
  const token = await formToken(t, host, cookie, page);
  return t.http(host).post(action).set('Cookie', cookie).set('Accept', 'text/html').type('form').send({ ...fields, _csrf: token });
}

/** `49900` → `"499.00"`, as the plan form shows amounts of a two-digit currency. */
export function moneyField(amountMinor: number): string {
  return (amountMinor / 100).toFixed(2);
}

/** The fields of the brand admin's plan form for `plan` as it is, with `changes` laid over. */
export function planFormFields(plan: PlanView, changes: Record<string, string> = {}): Record<string, string> {
  return {
    name: plan.name,
    monthly: moneyField(plan.monthlyMinor),
    annual: moneyField(plan.annualMinor),
    includedMinutes: String(plan.includedMinutes),
    overagePerMinute: moneyField(plan.overageMinorPerMinute),
    overQuota: plan.overQuota,
    features: plan.features.join(', '),
    trialDays: String(plan.trialDays),
    active: plan.active ? '1' : '',
    ...changes,
  };
}
