import { Prisma } from '../../prisma/generated/client/client.ts';

/**
 * The tenancy rule of Letta's tables, written once: a request sees and changes only the rows of its own
 * organization that are not soft-deleted. `organization` is the request's organization id, or the column of
 * a row already narrowed to it (a step's trace belongs to the step's organization).
 */
export function visibleTo(alias: string, organization: string | Prisma.Sql): Prisma.Sql {
  const a = Prisma.raw(alias);
  return Prisma.sql`${a}.organization_id = ${organization} AND NOT ${a}.is_deleted`;
}

/**
 * Step metrics share their step's id and carry no organization of their own that can be trusted (Letta leaves
 * it empty): they are visible where their step is. `organizationId` is null where the step is already joined
 * and narrowed to the organization.
 */
export function metricsVisibleTo(alias: string, organizationId: string | null): Prisma.Sql {
  const a = Prisma.raw(alias);
  if (organizationId === null) return Prisma.sql`NOT ${a}.is_deleted`;
  return Prisma.sql`NOT ${a}.is_deleted AND EXISTS (SELECT 1 FROM steps s WHERE s.id = ${a}.id AND ${visibleTo('s', organizationId)})`;
}

/**
 * Feedback entries (the gateway's own table) are visible where their step is: of the organization, on a step
 * that is visible. `organization` is the request's organization id, or the column of a step already narrowed
 * to it; `step` is `'narrowed'` where the entries are read for steps already narrowed to the organization (a
 * step's own entries). A deleted entry stays readable (marked deleted); lists and summaries leave it out.
 */
export function feedbackVisibleTo(alias: string, organizationId: string | Prisma.Sql, step: 'check' | 'narrowed' = 'check'): Prisma.Sql {
  const a = Prisma.raw(alias);
  if (step === 'narrowed') return Prisma.sql`${a}.organization_id = ${organizationId}`;
  return Prisma.sql`${a}.organization_id = ${organizationId} AND EXISTS (SELECT 1 FROM steps fs WHERE fs.id = ${a}.step_id AND ${visibleTo('fs', organizationId)})`;
}
