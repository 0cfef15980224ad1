import { GraphQLError } from 'graphql';

import type { Context } from '../context.ts';

/**
 * Runs a write and logs its audit line: who (organization, key, and the feedback token when one was used)
 * asked what of which step, and what came of it (`applied` with the result, or `rejected` with the error's
 * code). Never the key or the token.
 */
export async function audited<T>(
  ctx: Context,
  line: { message: string; event: string; fields: Record<string, unknown> },
  work: () => Promise<T>,
  describe: (result: T) => Record<string, unknown>,
): Promise<T> {
  const log = (outcome: 'applied' | 'rejected', fields: Record<string, unknown>) =>
    ctx.logger.info(line.message, {
      event: line.event,
      outcome,
      requestId: ctx.requestId,
      organizationId: ctx.organizationId,
      apiKeyId: ctx.apiKeyId,
      ...(ctx.principal.feedbackToken !== undefined ? { via: 'feedback-token' } : {}),
      ...line.fields,
      ...fields,
    });
  try {
    const result = await work();
    log('applied', describe(result));
    return result;
  } catch (error) {
    const code = error instanceof GraphQLError ? error.extensions.code : undefined;
    log('rejected', { code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR' });
    throw error;
  }
}
