import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import {
  Kind,
  parse,
  print,
  separateOperations,
  validate,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
} from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';

import type { ErrorCode } from '../error-codes.ts';

/** A trusted-documents manifest: document id (sha256 of the document's text, hex) → the document. */
export type TrustedDocuments = Map<string, string>;

const HASH = /^[0-9a-f]{64}$/;

export const documentId = (document: string) => createHash('sha256').update(document).digest('hex');

/**
 * Builds a manifest from GraphQL source files: one document per named operation, holding the operation and
 * the fragments it uses, printed canonically. Every operation must be named, uniquely, and valid against
 * the schema; otherwise the problems are returned and no manifest.
 */
export function buildTrustedDocuments(
  sources: { name: string; text: string }[],
  schema: GraphQLSchema,
): { manifest: Record<string, string>; operations: { name: string; id: string }[] } | { problems: string[] } {
  const problems: string[] = [];
  const definitions: DocumentNode['definitions'][number][] = [];
  for (const source of sources) {
    try {
      definitions.push(...parse(source.text).definitions);
    } catch (error) {
      problems.push(`${source.name}: ${(error as GraphQLError).message}`);
    }
  }
  const seen = new Set<string>();
  for (const definition of definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const name = definition.name?.value;
    if (name === undefined) problems.push('Every operation needs a name: one is anonymous.');
    else if (seen.has(name)) problems.push(`Operation names must be unique: "${name}" appears twice.`);
    else seen.add(name);
  }
  if (problems.length > 0) return { problems };
  const all: DocumentNode = { kind: Kind.DOCUMENT, definitions };
  for (const error of validate(schema, all)) problems.push(error.message);
  if (problems.length > 0) return { problems };

  const manifest: Record<string, string> = {};
  const operations: { name: string; id: string }[] = [];
  for (const [name, document] of Object.entries(separateOperations(all)).sort(([a], [b]) => a.localeCompare(b))) {
    const text = print(document);
    const id = documentId(text);
    manifest[id] = text;
    operations.push({ name, id });
  }
  return { manifest, operations };
}

/** Reads a manifest written by `npm run trusted-documents`; throws naming the file when it is not one. */
export function readTrustedDocuments(file: string): TrustedDocuments {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`TRUSTED_DOCUMENTS: cannot read ${file} as JSON (${(error as Error).message}).`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`TRUSTED_DOCUMENTS: ${file} must hold an object of document id to document.`);
  }
  const documents: TrustedDocuments = new Map();
  for (const [id, document] of Object.entries(parsed)) {
    if (!HASH.test(id) || typeof document !== 'string' || documentId(document) !== id) {
      throw new Error(`TRUSTED_DOCUMENTS: ${file} has an entry whose id is not the sha256 of its document ("${id.slice(0, 70)}").`);
    }
    documents.set(id, document);
  }
  return documents;
}

/** The trusted document a request names: `documentId` (`sha256:` prefix optional) or Apollo's persisted-query hash. */
export function trustedDocumentIdOf(params: { documentId?: unknown; extensions?: unknown }): string | null {
  if (typeof params.documentId === 'string') return params.documentId.replace(/^sha256:/, '');
  const persisted = (params.extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | undefined)?.persistedQuery;
  return persisted?.version === 1 && typeof persisted.sha256Hash === 'string' ? persisted.sha256Hash : null;
}

/**
 * Only the manifest's documents run. Clients send the id as `documentId` (the GraphQL-over-HTTP persisted
 * documents convention, `sha256:` prefix optional) or as Apollo's `extensions.persistedQuery.sha256Hash`;
 * a request carrying a query text is refused.
 */
export function trustedDocumentsOnly(documents: TrustedDocuments): Plugin {
  const extract = (params: GraphQLParams & { documentId?: unknown }, request: Request): string | null =>
    trustedDocumentIdOf({
      ...params,
      // Yoga reads only the standard parameters from a GET's URL.
      documentId: params.documentId ?? (request.method === 'GET' ? new URL(request.url).searchParams.get('documentId') : null),
    });
  return usePersistedOperations({
    allowArbitraryOperations: false,
    extractPersistedOperationId: extract,
    getPersistedOperation: (id) => documents.get(id) ?? null,
    customErrors: {
      notFound: {
        message: 'PersistedQueryNotFound: this document id is not one of the gateway\'s trusted documents.',
        extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' satisfies ErrorCode, http: { status: 400 } },
      },
      persistedQueryOnly: {
        message: 'Only trusted documents run on this gateway: send a document id ("documentId") instead of a query.',
        extensions: { code: 'PERSISTED_QUERY_ONLY' satisfies ErrorCode, http: { status: 400 } },
      },
      keyNotFound: {
        message: 'Send a document id ("documentId" or extensions.persistedQuery.sha256Hash).',
        extensions: { code: 'PERSISTED_QUERY_ID_REQUIRED' satisfies ErrorCode, http: { status: 400 } },
      },
    },
  });
}
