/**
 * An amount in USD as every Gadugi output shows it: cents from $1 up (`$12.34`), four decimals
 * below (`$0.0022`), where agent runs' costs mostly are.
 */
export function formatUsd(amount: number): string {
  return `$${amount.toFixed(Math.abs(amount) >= 1 ? 2 : 4)}`;
}
