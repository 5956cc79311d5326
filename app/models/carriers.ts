/**
 * Carriers and their waybill numbers: shared by the server (validation) and the browser (the
 * cooperative's shipping form), so no `.server` in the name.
 */
/** Chinese carriers a cooperative may ship with, and roughly what their waybill numbers look like. */
export const CARRIERS = [
  { code: 'SF', name: '顺丰速运', pattern: /^SF\d{12,15}$|^\d{12,15}$/ },
  { code: 'EMS', name: 'EMS', pattern: /^[A-Z]{2}\d{9}[A-Z]{2}$|^\d{13}$/ },
  { code: 'JD', name: '京东物流', pattern: /^JD[A-Z0-9]{11,18}$/ },
  { code: 'ZTO', name: '中通快递', pattern: /^\d{12,15}$/ },
  { code: 'YTO', name: '圆通速递', pattern: /^YT\d{13,18}$/ },
  { code: 'STO', name: '申通快递', pattern: /^\d{12,15}$/ },
  { code: 'YD', name: '韵达快递', pattern: /^\d{13,15}$/ },
  { code: 'JT', name: '极兔速递', pattern: /^JT\d{13}$/ },
  { code: 'DBL', name: '德邦快递', pattern: /^(DPK)?\d{8,15}$/ },
] as const;
export type CarrierCode = (typeof CARRIERS)[number]['code'];
export const CARRIER_CODES = CARRIERS.map((c) => c.code) as [CarrierCode, ...CarrierCode[]];

export function carrierName(code: string): string {
  return CARRIERS.find((c) => c.code === code)?.name ?? code;
}

/** True when the tracking number (spaces removed, upper-cased) fits the carrier's waybills. */
export function trackingNumberFits(code: string, trackingNumber: string): boolean {
  const carrier = CARRIERS.find((c) => c.code === code);
  const normalized = normalizeTrackingNumber(trackingNumber);
  return Boolean(carrier && /^[A-Z0-9]{8,20}$/.test(normalized) && carrier.pattern.test(normalized));
}

export function normalizeTrackingNumber(value: string): string {
  return value.replace(/[\s-]/g, '').toUpperCase();
}
