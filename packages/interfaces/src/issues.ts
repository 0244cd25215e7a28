import type { z } from "zod";

/** One line per problem: `- key.path: message`, the way the CLI prints invalid data. */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const key = issue.path.length > 0 ? issue.path.map(String).join(".") : "(root)";
    return `- ${key}: ${issue.message}`;
  });
}
