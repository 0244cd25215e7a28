import { z } from "zod";

/**
 * A command setting: a command line (`"npm run build"`) or an argument array
 * (`["npm", "run", "build"]`). Both run without a shell; `@gadugi/git`'s `toArgv` turns either
 * into the argument array and rejects shell syntax in a string.
 */
export const CommandSetting = z.union([
  z.string(),
  z.array(z.string()).min(1, "an argument array needs at least the program"),
]);
export type CommandSetting = z.infer<typeof CommandSetting>;

/** What a duration setting accepts, for messages. */
export const DURATION_FORMS = 'a duration such as "90s", "30m", "1h30m" or "2h", or a number of seconds';

const UNITS = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/**
 * Seconds in a duration: a positive number, a string of one (`"90"`), or hours, minutes and
 * seconds in that order (`"90s"`, `"30m"`, `"1h30m"`, `"2h"`). Undefined for anything else.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) > 0 ? Number(text) : undefined;
  const m = UNITS.exec(text);
  if (!m || text === "") return undefined;
  const [hours, minutes, seconds] = [m[1], m[2], m[3]].map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
  ];
  const total = hours * 3600 + minutes * 60 + seconds;
  return total > 0 ? total : undefined;
}

/** A duration setting (every `*Sec` key, a prompt's `timeout`, `--timeout`), parsed into seconds. */
export const Duration = z
  .union([z.number(), z.string()], { error: () => `expected ${DURATION_FORMS}` })
  .transform((value, ctx): number => {
    const seconds = parseDuration(value);
    if (seconds !== undefined) return seconds;
    ctx.addIssue({ code: "custom", message: `expected ${DURATION_FORMS}, got ${JSON.stringify(value)}` });
    return z.NEVER;
  });
export type Duration = z.input<typeof Duration>;
