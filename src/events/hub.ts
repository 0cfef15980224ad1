import type { GraphQLError } from 'graphql';

import type { Prisma } from '../../prisma/generated/client/client.ts';
import { liveKeyIds } from '../auth/api-keys.ts';
import type { Database } from '../db/database.ts';
import { eventHeads, eventsAfter, eventSpan, stepsMeeting, type StepEventBatch, type StepEventRecord, type StepEventType } from '../db/step-events.ts';
import { badUserInput, expectedError, unauthenticated } from '../errors.ts';
import { createLoaders, type Loaders } from '../loaders/index.ts';
import { describeError, type Logger } from '../logger.ts';
import type { EventBus } from './bus.ts';

/**
 * The subscriptions of one gateway process and what they receive. Events come from the bus (published by the
 * feed reader and by the gateway's own writes, on any replica) and are delivered in the order of their numbers,
 * each once: a batch that does not follow the last event delivered (a notice lost or overtaken) is read from
 * the log instead, and so is whatever a subscriber asked to resume from. Each delivery reads its steps afresh,
 * with loaders of its own shared by the subscribers it reaches.
 */

export interface HubOptions {
  /** Subscriptions one API key may hold on this process. */
  perKey: number;
  /** Events a subscription may have waiting; past it, it is closed as too slow. */
  buffer: number;
  /** How often the log is checked for events no notice brought, and the keys of subscriptions for revocation. */
  checkMs: number;
}

export interface SubscribeRequest {
  organizationId: string;
  apiKeyId: string;
  /** Which steps: the conditions on a step `s` at a time (the filter's relative times move), or none: every step. */
  conditions?: { key: string; at: (now: Date) => Prisma.Sql };
  types: ReadonlySet<StepEventType>;
  /** Only this step's events. */
  stepId?: string;
  /** Resume after this event: its cursor. Otherwise from now. */
  after?: number;
}

/** What a subscription yields: an event with the loaders to read it with, or the error it ends with. */
export type Delivery = { event: StepEventRecord; loaders: Loaders } | { error: GraphQLError };

export interface EventHub {
  subscribe(request: SubscribeRequest): Promise<AsyncIterableIterator<Delivery>>;
  /** Ends every subscription with SERVICE_UNAVAILABLE (the process is stopping). */
  close(): Promise<void>;
  /** Subscriptions open now. */
  size(): number;
  /** Events given to subscriptions since the hub started. */
  delivered(): number;
}

/** How many events one read of the log takes. */
const LOG_PAGE = 500;

/** A subscription as deliveries see it. */
interface Subscriber {
  readonly request: SubscribeRequest;
  /** The number of the last event this subscription has been given or has passed over. */
  position: number;
  /** Reading the log until it reaches the events delivered here; then `live`, given them as they come. */
  mode: 'catching-up' | 'live';
  /** Whether an event concerns this subscription, its conditions aside. */
  wants(event: StepEventRecord): boolean;
  give(delivery: Delivery & { event: StepEventRecord }): void;
  /** Back to the log: the events from its position on are read there. */
  rewind(): void;
  /** Ends it with an error, the last thing it yields. */
  end(error: GraphQLError): void;
}

interface Organization {
  id: string;
  /** The number of the last event delivered here. */
  head: number;
  subscribers: Set<Subscriber>;
  /** Deliveries and reads of the log, one after another. */
  chain: Promise<void>;
}

const expired = () =>
  expectedError('CURSOR_EXPIRED', 'Events after this cursor are no longer kept: fetch what you show again, then subscribe without "after".');

export function createEventHub(db: Database, bus: EventBus, logger: Logger, options: HubOptions): EventHub {
  const organizations = new Map<string, Organization>();
  const perKey = new Map<string, number>();
  let closed = false;
  let delivered = 0;

  class Subscription implements Subscriber, AsyncIterableIterator<Delivery> {
    position: number;
    mode: 'catching-up' | 'live';
    private pending: Delivery[] = [];
    private terminal: GraphQLError | undefined;
    private finished = false;
    private wake: (() => void) | undefined;

    constructor(
      readonly organization: Organization,
      readonly request: SubscribeRequest,
    ) {
      this.position = request.after ?? organization.head;
      this.mode = this.position < organization.head ? 'catching-up' : 'live';
    }

    [Symbol.asyncIterator]() {
      return this;
    }

    wants(event: StepEventRecord): boolean {
      return this.request.types.has(event.type) && (this.request.stepId === undefined || event.stepId === this.request.stepId);
    }

    give(delivery: Delivery & { event: StepEventRecord }) {
      if (this.finished || this.terminal !== undefined) return;
      if (this.pending.length >= options.buffer) {
        this.end(expectedError('SLOW_CONSUMER', `More than ${options.buffer} events were waiting for this subscription: it was closed. Subscribe again with "after" set to the last cursor received.`));
        return;
      }
      this.pending.push(delivery);
      this.signal();
    }

    rewind() {
      this.mode = 'catching-up';
      this.signal();
    }

    end(error: GraphQLError) {
      if (this.finished || this.terminal !== undefined) return;
      this.terminal = error;
      this.pending = [];
      // Out of its organization and its key's count at once, whether or not its client ever takes the error.
      this.detach();
      this.signal();
    }

    private signal() {
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
    }

    private wait(ms?: number): Promise<void> {
      return new Promise((resolve) => {
        const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }

    async next(): Promise<IteratorResult<Delivery>> {
      for (;;) {
        if (this.finished) return { done: true, value: undefined };
        const delivery = this.pending.shift();
        if (delivery !== undefined) {
          delivered += 1;
          return { done: false, value: delivery };
        }
        if (this.terminal !== undefined) {
          const error = this.terminal;
          this.finish();
          return { done: false, value: { error } };
        }
        if (this.mode === 'catching-up') await this.catchUp();
        else await this.wait();
      }
    }

    async return(): Promise<IteratorResult<Delivery>> {
      this.finish();
      return { done: true, value: undefined };
    }

    /** One page of the log after the position, with the subscription's conditions as they hold now. */
    private async catchUp() {
      const organization = this.organization;
      // What was delivered before the read began was committed before it: the read sees it, unless it is gone.
      const delivered = organization.head;
      let page;
      try {
        page = await eventsAfter(db, organization.id, this.position, LOG_PAGE, this.request.conditions?.at(new Date()));
      } catch (error) {
        // The database is away: the events wait in the log, and are delivered in order when it is back.
        logger.warn('step events: the log could not be read for a subscription', describeError(error));
        await this.wait(1000);
        return;
      }
      if (this.finished || this.terminal !== undefined || this.mode !== 'catching-up') return;
      // Events are numbered without gaps: a gap, or nothing where the head says there is more, is events deleted
      // for their age.
      if (page.length > 0 ? page[0]!.seq !== this.position + 1 : this.position < delivered) {
        this.end(expired());
        return;
      }
      const loaders = createLoaders(db, organization.id);
      for (const event of page) {
        if (event.matches && this.wants(event)) this.pending.push({ event: { seq: event.seq, stepId: event.stepId, type: event.type, at: event.at }, loaders });
      }
      this.position = Math.max(this.position, page.at(-1)?.seq ?? this.position);
      // Live once a read finds the log has nothing past what was delivered here (those read wait to be taken
      // first, and what came meanwhile is read next time). Decided in the same turn as the check, so that no
      // delivery falls between the log and the live events.
      if (this.pending.length === 0 && page.length < LOG_PAGE && this.position >= organization.head) this.mode = 'live';
    }

    private finish() {
      if (this.finished) return;
      this.finished = true;
      this.pending = [];
      this.signal();
      this.detach();
    }

    private detached = false;
    private detach() {
      if (this.detached) return;
      this.detached = true;
      this.organization.subscribers.delete(this);
      if (this.organization.subscribers.size === 0 && organizations.get(this.organization.id) === this.organization) organizations.delete(this.organization.id);
      release(this.request.apiKeyId);
    }
  }

  const release = (apiKeyId: string) => {
    const count = (perKey.get(apiKeyId) ?? 1) - 1;
    if (count > 0) perKey.set(apiKeyId, count);
    else perKey.delete(apiKeyId);
  };

  /** The organization's entry, or a new one from where its events stand (which `subscribe` puts in place). */
  const organizationOf = async (id: string): Promise<Organization> =>
    organizations.get(id) ?? { id, head: (await eventHeads(db.sql, [id])).get(id) ?? 0, subscribers: new Set(), chain: Promise.resolve() };

  /** Gives events to the live subscribers that want them, after the last event delivered. */
  const deliver = async (organization: Organization, events: StepEventRecord[]) => {
    const fresh = events.filter((event) => event.seq > organization.head);
    if (fresh.length === 0) return;
    // The conditions of the subscribers live now, each distinct set checked once against the steps as they are now.
    const stepIds = [...new Set(fresh.map((event) => event.stepId))];
    const checks = new Map<string, Prisma.Sql>();
    for (const subscriber of organization.subscribers) {
      const conditions = subscriber.request.conditions;
      if (subscriber.mode === 'live' && conditions !== undefined && !checks.has(conditions.key)) checks.set(conditions.key, conditions.at(new Date()));
    }
    const meeting = new Map<string, Set<string>>();
    await Promise.all([...checks].map(async ([key, where]) => meeting.set(key, await stepsMeeting(db, stepIds, where))));
    // From here to the end, in one turn: the head moves with the deliveries.
    organization.head = fresh.at(-1)!.seq;
    const loaders = createLoaders(db, organization.id);
    for (const subscriber of organization.subscribers) {
      if (subscriber.mode !== 'live') continue;
      const conditions = subscriber.request.conditions;
      const met = conditions === undefined ? undefined : meeting.get(conditions.key);
      // Live since the conditions were checked, with conditions of its own: it reads these from the log.
      if (conditions !== undefined && met === undefined) {
        subscriber.rewind();
        continue;
      }
      for (const event of fresh) {
        if (event.seq <= subscriber.position) continue;
        subscriber.position = event.seq;
        // A deleted step can no longer be checked against conditions: its event reaches every subscription that wants it.
        if (subscriber.wants(event) && (met === undefined || event.type === 'DELETED' || met.has(event.stepId))) subscriber.give({ event, loaders });
      }
    }
  };

  /** Reads from the log whatever followed the last event delivered, and delivers it. */
  const fill = async (organization: Organization) => {
    for (;;) {
      const page = await eventsAfter(db, organization.id, organization.head, LOG_PAGE);
      if (page.length === 0) return;
      if (page[0]!.seq !== organization.head + 1) {
        // This process fell behind by more than the events kept: its subscribers may have missed some.
        for (const subscriber of organization.subscribers) if (subscriber.mode === 'live') subscriber.end(expired());
        organization.head = page[0]!.seq - 1;
      }
      await deliver(organization, page);
      if (page.length < LOG_PAGE) return;
    }
  };

  /** Runs `work` after the organization's earlier deliveries; a failure leaves the events for the next check. */
  const enqueue = (organization: Organization, work: () => Promise<void>) => {
    organization.chain = organization.chain.then(work).catch((error: unknown) => {
      logger.warn('step events: delivery deferred to the next check', describeError(error));
    });
  };

  const unsubscribe = bus.subscribe((batch: StepEventBatch) => {
    const organization = organizations.get(batch.organizationId);
    if (organization === undefined) return;
    enqueue(organization, async () => {
      const last = batch.prev + batch.events.length;
      if (last <= organization.head) return;
      // A batch that follows what was delivered is delivered as it is; after a gap, the log is read.
      if (batch.prev <= organization.head) await deliver(organization, batch.events);
      else await fill(organization);
    });
  });

  /** Finds events no notice brought (Redis down, a notice lost), and ends the subscriptions of keys no longer live. */
  const check = async () => {
    const ids = [...organizations.keys()];
    if (ids.length > 0) {
      const heads = await eventHeads(db.sql, ids);
      for (const [id, head] of heads) {
        const organization = organizations.get(id);
        if (organization !== undefined && head > organization.head) enqueue(organization, () => fill(organization));
      }
    }
    const keys = [...perKey.keys()];
    if (keys.length > 0) {
      const live = await liveKeyIds(db.prisma, keys);
      for (const organization of organizations.values()) {
        for (const subscriber of organization.subscribers) if (!live.has(subscriber.request.apiKeyId)) subscriber.end(unauthenticated());
      }
    }
  };
  let checking: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (checking !== undefined || organizations.size === 0) return;
    checking = check()
      .catch((error: unknown) => logger.warn('step events: check failed', describeError(error)))
      .finally(() => (checking = undefined));
  }, options.checkMs);
  timer.unref();

  return {
    async subscribe(request) {
      if (closed) throw expectedError('SERVICE_UNAVAILABLE', 'The gateway is shutting down: subscribe again in a moment.');
      const held = perKey.get(request.apiKeyId) ?? 0;
      if (held >= options.perKey) {
        throw expectedError('TOO_MANY_SUBSCRIPTIONS', `This API key holds ${held} subscriptions on this gateway process, the most it may: end one first.`, { limit: options.perKey });
      }
      // Counted from here: subscriptions started at once cannot pass the limit together.
      perKey.set(request.apiKeyId, held + 1);
      try {
        if (request.after !== undefined) {
          const { head, oldest } = await eventSpan(db.sql, request.organizationId);
          if (request.after > head) throw badUserInput('"after" is not the cursor of an event of your organization.', 'after');
          if (request.after < head && (oldest === null || oldest > request.after + 1)) throw expired();
        }
        let organization = await organizationOf(request.organizationId);
        // Another subscriber may have put an entry in place while this one waited, or the entry gone with its
        // last subscriber: the one in place, or this one put back.
        const current = organizations.get(request.organizationId);
        if (current === undefined) organizations.set(request.organizationId, organization);
        else organization = current;
        const subscription = new Subscription(organization, request);
        organization.subscribers.add(subscription);
        return subscription;
      } catch (error) {
        release(request.apiKeyId);
        throw error;
      }
    },
    async close() {
      closed = true;
      clearInterval(timer);
      unsubscribe();
      const stopping = expectedError('SERVICE_UNAVAILABLE', 'The gateway is shutting down: subscribe again, with "after" set to the last cursor received.');
      for (const organization of organizations.values()) for (const subscriber of organization.subscribers) subscriber.end(stopping);
      await checking;
    },
    size: () => [...organizations.values()].reduce((sum, organization) => sum + organization.subscribers.size, 0),
    delivered: () => delivered,
  };
}
