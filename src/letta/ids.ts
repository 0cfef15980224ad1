/** Letta's ids are `<prefix>-<uuid>`; the prefix names the type. The gateway's own objects follow the rule. */
export const idPrefixes = {
  Step: 'step',
  Message: 'message',
  ProviderTrace: 'provider_trace',
  FeedbackEntry: 'feedback',
} as const;

export type NodeTypeName = keyof typeof idPrefixes;

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const patterns = Object.fromEntries(
  Object.entries(idPrefixes).map(([type, prefix]) => [type, new RegExp(`^${prefix}-${UUID}$`, 'i')]),
) as Record<NodeTypeName, RegExp>;

export function isId(type: NodeTypeName, id: string): boolean {
  return patterns[type].test(id);
}

/** The type an id names by its prefix, or undefined when it is not one of ours. */
export function typeOfId(id: string): NodeTypeName | undefined {
  return (Object.keys(patterns) as NodeTypeName[]).find((type) => patterns[type].test(id));
}

// Longest prefix first, so that a prefix that extends another ("message" and a future "message_x") wins.
const byPrefix = (Object.entries(idPrefixes) as [NodeTypeName, string][])
  .map(([type, prefix]) => [`${prefix}-`, type] as const)
  .sort(([a], [b]) => b.length - a.length);

/**
 * The type of a stored object, from its id's prefix alone: rows may hold ids that are not strict UUIDs,
 * and an object already read must still resolve.
 */
export function typeOfPrefix(id: string): NodeTypeName | undefined {
  return byPrefix.find(([prefix]) => id.startsWith(prefix))?.[1];
}
