import type { FastifyInstance } from 'fastify';
import { withBadges } from '../../alerting/badges.ts';
import { describeState, type StateRow } from '../../model/problems.ts';
import type { Daemon } from '../daemon.ts';
import type { LiveState } from '../live-state.ts';
import { BadQuery, decodeCursor, encodeCursor } from '../pagination.ts';
import { errorResponse, pageQueryProperties, stateRowSchema } from './common.ts';

const problemGroupSchema = {
  type: 'object',
  properties: {
    cause: {
      ...stateRowSchema,
      description: 'The root cause (or a problem held for an upstream re-check: `held`).',
      properties: {
        ...stateRowSchema.properties,
        held: { type: 'boolean' },
        acknowledged: { type: 'object', additionalProperties: true },
        downtime: { type: 'object', additionalProperties: true },
      },
    },
    affected: { type: 'array', items: stateRowSchema, description: 'Hard problems this cause explains.' },
    degraded: {
      type: 'array',
      items: { type: 'string' },
      description: 'Objects still working without redundancy because of this cause.',
    },
  },
} as const;

/** How old an answer may be: the state it shows lags the engine by at most this. */
const ANSWER_MAX_AGE_MS = 1_000;
const MAX_CACHED_ANSWERS = 200;

interface ProblemsQuery {
  limit?: number;
  cursor?: string;
}

interface ProblemsCursor {
  /** The last root cause handed out, and where it was. */
  after: string;
  at: number;
}

/**
 * Hard problems grouped by root cause, worst first; pages are over root causes, each with
 * everything it explains. Without `limit` every group comes in one answer, as before pages.
 */
export function registerProblemRoutes(app: FastifyInstance, daemon: Daemon, live: LiveState): void {
  const answers = new Map<string, { at: number; changes: number; body: Buffer }>();
  const { limit, cursor } = pageQueryProperties([]);
  app.get<{ Querystring: ProblemsQuery }>(
    '/api/v1/problems',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['problems'],
        summary: 'Current problems by root cause',
        description:
          'Hard problems grouped by root cause, worst first, each cause with the problems it explains ' +
          'and the objects it leaves without redundancy. Acknowledged and downtime causes are marked.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: {
              ...limit,
              default: undefined,
              description: 'Most root causes in one page (default: all).',
            },
            cursor,
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['problems', 'next_cursor'],
            properties: {
              problems: { type: 'array', items: problemGroupSchema },
              next_cursor: { type: ['string', 'null'] },
            },
          },
          400: errorResponse,
        },
      },
    },
    async (request, reply) => {
      // During an outage everyone reloads this page at once: while nothing changes, one answer
      // per second per query is built and the same bytes are sent to all (a few hundred KB
      // with 2,000 problems). Any change (state, acknowledgement, downtime, API write) rebuilds it.
      const key = `${request.query.limit ?? ''}|${request.query.cursor ?? ''}`;
      const now = Date.now();
      const cached = answers.get(key);
      if (cached && cached.changes === live.changeCount && now - cached.at < ANSWER_MAX_AGE_MS)
        return reply.type('application/json').send(cached.body);
      const groups = live.problemGroups();
      let start = 0;
      if (request.query.cursor !== undefined) {
        const after = decodeCursor(request.query.cursor) as Partial<ProblemsCursor> | null;
        if (typeof after?.after !== 'string' || typeof after.at !== 'number')
          throw new BadQuery('cursor is not one this endpoint handed out');
        const found = groups.findIndex((group) => group.cause.object === after.after);
        // A cause that resolved since: carry on from where it was.
        start = found >= 0 ? found + 1 : Math.min(after.at + 1, groups.length);
      }
      const end = request.query.limit === undefined ? groups.length : start + request.query.limit;
      // Rows read fresh (state and output move on between regroupings); badges set on copies.
      const model = daemon.engine.currentModel;
      const row = (id: string, old: StateRow) => {
        const state = daemon.engine.stateOf(id);
        return state ? describeState(model, state) : old;
      };
      const page = groups.slice(start, end).map((group) => ({
        ...group,
        cause: { ...row(group.cause.object, group.cause), held: group.cause.held },
        affected: group.affected.map((affected) => row(affected.object, affected)),
      }));
      const last = page[page.length - 1];
      // Kept as bytes: encoding a large string again for every reader costs more than the rest.
      const text = JSON.stringify({
        problems: withBadges(page, daemon.suppressions, now),
        next_cursor:
          end < groups.length && last
            ? encodeCursor({ after: last.cause.object, at: end - 1 } satisfies ProblemsCursor)
            : null,
      });
      const body = Buffer.from(text, 'utf8');
      if (answers.size >= MAX_CACHED_ANSWERS) answers.clear();
      answers.set(key, { at: now, changes: live.changeCount, body });
      return reply.type('application/json').send(body);
    },
  );
}
