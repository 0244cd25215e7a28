// Comments on issues and pull requests (the conversation, not review comments on lines).
import type { OperationContext } from "./context.js";

export interface GitHubComment {
  id: number;
  url: string;
}

export async function addComment(
  ctx: OperationContext,
  number: number,
  body: string,
): Promise<GitHubComment> {
  return ctx.call("addComment", async (octokit, repo) => {
    const { data } = await octokit.rest.issues.createComment({
      ...repo,
      issue_number: number,
      body: ctx.redact(body),
    });
    return { id: data.id, url: data.html_url };
  });
}
