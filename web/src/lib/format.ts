// How amounts, times and addresses read to a person.

const DECIMALS = 18n;
const SHOWN_DECIMALS = 4;

/** Token base units as `1,234.5 PLY`: grouped whole tokens and at most four decimals, cut, never rounded up
 * (as the API's and CLI's format_tokens writes them). */
export function formatTokens(baseUnits: string | bigint): string {
  const amount = BigInt(baseUnits);
  const sign = amount < 0n ? "-" : "";
  const magnitude = amount < 0n ? -amount : amount;
  const unit = 10n ** DECIMALS;
  const whole = magnitude / unit;
  const fraction = magnitude % unit;
  const shown = fraction / 10n ** (DECIMALS - BigInt(SHOWN_DECIMALS));
  if (whole === 0n && shown === 0n && fraction > 0n) return `${sign}<0.${"0".repeat(SHOWN_DECIMALS - 1)}1 PLY`;
  const digits = shown.toString().padStart(SHOWN_DECIMALS, "0").replace(/0+$/, "");
  return `${sign}${whole.toLocaleString("en-US")}${digits ? "." + digits : ""} PLY`;
}

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

export function formatTime(iso: string | number): string {
  const when = typeof iso === "number" ? new Date(iso * 1000) : new Date(iso);
  return when.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

/** A score in basis points (0-10000) as a percentage. */
export function percent(basisPoints: number): string {
  return `${(basisPoints / 100).toFixed(basisPoints % 100 === 0 ? 0 : 1)}%`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** A snake_case reason code as words: `exact_copy` -> `exact copy`. */
export function words(code: string): string {
  return code.replace(/_/g, " ");
}
