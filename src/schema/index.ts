import { lexicographicSortSchema } from 'graphql';

import { builder } from './builder.ts';
import './scalars.ts';
import './node.ts';
import './step.ts';
import './step-stats.ts';
import './message.ts';
import './letta-message.ts';
import './provider-trace.ts';
import './step-metrics.ts';
import './feedback.ts';
import './feedback-entry.ts';
import './step-event.ts';

export const schema = lexicographicSortSchema(builder.toSchema());
