/**
 * The parts of PayPal's REST API this plugin sends and reads, in PayPal's own snake_case. Shapes follow
 * the Catalog Products v1, Subscriptions v1, Payments v1 (sale refunds), Webhooks v1 references and the
 * `@paypal/paypal-server-sdk` models; everything we do not need is left out.
 */

/** `{ currency_code, value }`: PayPal's money in v1 billing and v2 payments. */
export interface WireMoney {
  currency_code: string;
  value: string;
}

/** `{ total, currency }`: money in v1 payments (sales, refunds). */
export interface WireLegacyAmount {
  total: string;
  currency: string;
}

export interface WireLink {
  href: string;
  rel: string;
  method?: string;
}

/** PayPal's error body for 4xx/5xx. OAuth errors use `{ error, error_description }` instead. */
export interface WireError {
  name?: string;
  message?: string;
  debug_id?: string;
  details?: { field?: string; value?: string; location?: string; issue?: string; description?: string }[];
  links?: WireLink[];
  error?: string;
  error_description?: string;
}

export interface WireToken {
  access_token: string;
  token_type: string;
  /** Seconds. */
  expires_in: number;
  scope?: string;
  app_id?: string;
  nonce?: string;
}

export interface WireProduct {
  id: string;
  name: string;
  description?: string;
  type?: 'PHYSICAL' | 'DIGITAL' | 'SERVICE';
  category?: string;
  create_time?: string;
  update_time?: string;
  links?: WireLink[];
}

export type WireIntervalUnit = 'DAY' | 'WEEK' | 'MONTH' | 'YEAR';

export interface WireBillingCycle {
  frequency: { interval_unit: WireIntervalUnit; interval_count?: number };
  tenure_type: 'REGULAR' | 'TRIAL';
  sequence: number;
  /** 0: until canceled. */
  total_cycles?: number;
  pricing_scheme?: { fixed_price?: WireMoney; version?: number; create_time?: string; update_time?: string };
}

export interface WirePaymentPreferences {
  auto_bill_outstanding?: boolean;
  setup_fee?: WireMoney;
  setup_fee_failure_action?: 'CONTINUE' | 'CANCEL';
  payment_failure_threshold?: number;
}

export type WirePlanStatus = 'CREATED' | 'INACTIVE' | 'ACTIVE';

/** A plan as `GET /v1/billing/plans/{id}` returns it; the list returns it without cycles and preferences. */
export interface WirePlan {
  id: string;
  product_id: string;
  name: string;
  status: WirePlanStatus;
  description?: string;
  usage_type?: string;
  billing_cycles?: WireBillingCycle[];
  payment_preferences?: WirePaymentPreferences;
  quantity_supported?: boolean;
  create_time?: string;
  update_time?: string;
  links?: WireLink[];
}

export interface WirePlanRequest {
  product_id: string;
  name: string;
  description?: string;
  status?: 'CREATED' | 'ACTIVE';
  billing_cycles: WireBillingCycle[];
  payment_preferences: WirePaymentPreferences;
}

export interface WirePlanList {
  plans?: WirePlan[];
  total_items?: number;
  total_pages?: number;
  links?: WireLink[];
}

export type WireSubscriptionStatus = 'APPROVAL_PENDING' | 'APPROVED' | 'ACTIVE' | 'SUSPENDED' | 'CANCELLED' | 'EXPIRED';

export interface WireSubscriber {
  name?: { given_name?: string; surname?: string };
  email_address?: string;
  payer_id?: string;
}

export interface WireSubscriptionBillingInfo {
  outstanding_balance: WireMoney;
  cycle_executions?: { tenure_type: string; sequence: number; cycles_completed: number; cycles_remaining?: number; total_cycles?: number }[];
  last_payment?: { amount?: WireMoney; time?: string };
  next_billing_time?: string;
  final_payment_time?: string;
  failed_payments_count: number;
  last_failed_payment?: { amount: WireMoney; time: string; reason_code?: string; next_payment_retry_time?: string };
}

/** A subscription: `GET /v1/billing/subscriptions/{id}`, and the resource of `BILLING.SUBSCRIPTION.*` events. */
export interface WireSubscription {
  id: string;
  plan_id: string;
  status: WireSubscriptionStatus;
  status_update_time?: string;
  status_change_note?: string;
  start_time?: string;
  quantity?: string;
  custom_id?: string;
  subscriber?: WireSubscriber;
  billing_info?: WireSubscriptionBillingInfo;
  create_time?: string;
  update_time?: string;
  plan_overridden?: boolean;
  links?: WireLink[];
}

export interface WireSubscriptionRequest {
  plan_id: string;
  custom_id?: string;
  start_time?: string;
  quantity?: string;
  subscriber?: WireSubscriber;
  application_context: {
    brand_name?: string;
    locale?: string;
    shipping_preference?: 'GET_FROM_FILE' | 'NO_SHIPPING' | 'SET_PROVIDED_ADDRESS';
    user_action?: 'CONTINUE' | 'SUBSCRIBE_NOW';
    return_url: string;
    cancel_url: string;
  };
}

/** `POST /v1/billing/subscriptions/{id}/revise`: the changes, and an `approve` link when the subscriber must consent. */
export interface WireReviseResponse {
  plan_id?: string;
  quantity?: string;
  effective_time?: string;
  plan_overridden?: boolean;
  links?: WireLink[];
}

/** One JSON Patch operation of `PATCH /v1/billing/subscriptions/{id}`. */
export interface WirePatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

export interface WireCaptureRequest {
  note: string;
  capture_type: 'OUTSTANDING_BALANCE';
  amount: WireMoney;
}

/** `POST /v1/billing/subscriptions/{id}/capture`: the transaction it made. */
export interface WireSubscriptionTransaction {
  id: string;
  status?: 'COMPLETED' | 'DECLINED' | 'PARTIALLY_REFUNDED' | 'PENDING' | 'REFUNDED' | 'FAILED';
  amount_with_breakdown: { gross_amount: WireMoney; fee_amount?: WireMoney; net_amount?: WireMoney };
  payer_name?: { given_name?: string; surname?: string };
  payer_email?: string;
  time: string;
}

/** A v1 sale: each charge of a subscription, and the resource of `PAYMENT.SALE.*` events. */
export interface WireSale {
  id: string;
  state: string;
  amount: WireLegacyAmount & { details?: { subtotal?: string } };
  payment_mode?: string;
  billing_agreement_id?: string;
  custom?: string;
  invoice_number?: string;
  transaction_fee?: { value: string; currency: string };
  reason_code?: string;
  create_time?: string;
  update_time?: string;
  links?: WireLink[];
}

/** `POST /v1/payments/sale/{id}/refund`, and the resource of `PAYMENT.SALE.REFUNDED`. */
export interface WireSaleRefund {
  id: string;
  state: 'pending' | 'completed' | 'cancelled' | 'failed' | string;
  amount: WireLegacyAmount;
  sale_id?: string;
  parent_payment?: string;
  billing_agreement_id?: string;
  custom?: string;
  description?: string;
  reason?: string;
  create_time?: string;
  update_time?: string;
  links?: WireLink[];
}

/** A v2 capture refund: the resource of `PAYMENT.CAPTURE.REFUNDED`. */
export interface WireCaptureRefund {
  id: string;
  status: string;
  amount: WireMoney;
  custom_id?: string;
  invoice_id?: string;
  create_time?: string;
  update_time?: string;
  links?: WireLink[];
}

/** The envelope of every webhook delivery. */
export interface WireWebhookEvent<R = unknown> {
  id: string;
  event_version?: string;
  create_time: string;
  resource_type?: string;
  resource_version?: string;
  event_type: string;
  summary?: string;
  resource: R;
  links?: WireLink[];
}

export interface WireVerifyResponse {
  verification_status: 'SUCCESS' | 'FAILURE';
}
