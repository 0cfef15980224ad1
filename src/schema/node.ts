import { requireKey } from '../context.ts';
import { badUserInput } from '../errors.ts';
import { typeOfId, typeOfPrefix, type NodeTypeName } from '../letta/ids.ts';
import { builder } from './builder.ts';

/** The type a stored object belongs to, from the prefix of its Letta id. */
function resolveNodeType(id: string): NodeTypeName {
  const type = typeOfPrefix(id);
  if (type === undefined) throw new Error(`No GraphQL type for id prefix of ${id.slice(0, 20)}`);
  return type;
}

export const NodeInterface = builder.interfaceRef<{ id: string }>('Node').implement({
  description:
    "An object with a globally unique id. Ids are Letta's own prefixed ids (`step-<uuid>`, `message-<uuid>`, " +
    '`provider_trace-<uuid>`) and the gateway\'s (`feedback-<uuid>`); the prefix names the type.',
  resolveType: (value) => resolveNodeType(value.id),
  fields: (t) => ({
    id: t.exposeID('id', { description: "The object's Letta id, e.g. `step-<uuid>`." }),
  }),
});

const MAX_NODES = 100;

async function loadNode(id: string, loaders: import('../loaders/index.ts').Loaders) {
  switch (typeOfId(id)) {
    case 'Step':
      return loaders.stepById.load(id);
    case 'Message':
      return loaders.messageById.load(id);
    case 'ProviderTrace':
      return loaders.traceById.load(id);
    case 'FeedbackEntry':
      return loaders.feedbackEntryById.load(id);
    default:
      throw badUserInput(`"${id.slice(0, 64)}" is not a valid id: expected step-<uuid>, message-<uuid>, provider_trace-<uuid> or feedback-<uuid>.`, 'id');
  }
}

builder.queryFields((t) => ({
  node: t.field({
    type: NodeInterface,
    nullable: true,
    description: 'Fetches any object by its id. Null when no such object exists in your organization.',
    args: { id: t.arg.id({ required: true, description: 'The Letta id of the object.' }) },
    resolve: (_root, { id }, ctx) => {
      requireKey(ctx);
      return loadNode(String(id), ctx.loaders);
    },
  }),
  nodes: t.field({
    type: [NodeInterface],
    nullable: { list: false, items: true },
    description: `Fetches several objects by id, in the order given (at most ${MAX_NODES}); null for each that does not exist in your organization.`,
    args: { ids: t.arg.idList({ required: true, description: 'The Letta ids of the objects.' }) },
    complexity: ({ ids }) => ({ field: 1, multiplier: Math.min(ids.length, MAX_NODES) }),
    resolve: (_root, { ids }, ctx) => {
      requireKey(ctx);
      if (ids.length > MAX_NODES) throw badUserInput(`At most ${MAX_NODES} ids can be fetched at once.`, 'ids');
      return Promise.all(ids.map((id) => loadNode(String(id), ctx.loaders)));
    },
  }),
}));
