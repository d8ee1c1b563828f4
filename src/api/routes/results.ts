import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parsePerfdata, parsePluginOutput } from '../../checks/plugin/output.ts';
import type { Model, ServiceState } from '../../model/types.ts';
import { audit } from '../auth/index.ts';
import type { Daemon } from '../daemon.ts';
import { BadQuery } from '../pagination.ts';
import { errorResponse } from './common.ts';

// Passive check results (sent in by scripts, cron jobs, other monitors) and on-demand
// re-checks. A passive result takes the same path as an active one: state machine, store,
// root cause, alerting.

/** Most results in one request. */
export const MAX_RESULTS_PER_REQUEST = 1000;
/** A result time this far ahead of the daemon's clock is a clock problem, not a result. */
const MAX_FUTURE_MS = 60_000;

const SERVICE_STATUS: Record<string, ServiceState> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };
/** Host results use the plugin exit codes a host check would return: 0 UP, 2 DOWN (the engine tells DOWN from UNREACHABLE). */
const HOST_STATUS: Record<string, ServiceState> = { UP: 0, DOWN: 2, UNREACHABLE: 2 };

const resultSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['object', 'status'],
  properties: {
    object: { type: 'string', minLength: 1, maxLength: 500, description: 'Host name or host/service.' },
    status: {
      description:
        'Exit code 0-3, or a state name: OK, WARNING, CRITICAL, UNKNOWN (services), UP, DOWN (hosts).',
      anyOf: [
        { type: 'integer', minimum: 0, maximum: 3 },
        { type: 'string', enum: ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN', 'UP', 'DOWN', 'UNREACHABLE'] },
      ],
    },
    output: {
      type: 'string',
      maxLength: 65536,
      description: 'Plugin-style output: first line, then more lines; perfdata after `|` is read too.',
    },
    long_output: { type: 'string', maxLength: 65536, description: 'Further lines of output.' },
    perfdata: {
      type: 'string',
      maxLength: 65536,
      description: "Performance data in plugin syntax: `'label'=value[unit];warn;crit;min;max ...`.",
    },
    at: {
      description: 'When the result was taken: ms since the epoch or ISO 8601 (default: now).',
      anyOf: [
        { type: 'integer', minimum: 0 },
        { type: 'string', format: 'date-time' },
      ],
    },
  },
} as const;

export interface PassiveResult {
  object: string;
  status: number | string;
  output?: string;
  long_output?: string;
  perfdata?: string;
  at?: number | string;
}

interface Accepted {
  object: string;
  state: string;
  stateType: string;
  attempt: number;
}

/** A result checked against the model, ready for the engine; or why not, with its HTTP status. */
type Checked =
  | {
      ok: true;
      objectId: string;
      outcome: {
        exitCode: ServiceState;
        output: string;
        longOutput: string;
        perfdata: ReturnType<typeof parsePerfdata>;
      };
      at: number;
    }
  | { ok: false; status: 400 | 404 | 409; error: string };

export function checkResult(
  model: Model,
  result: PassiveResult,
  place: string,
  now: number,
  lastCheckOf: (objectId: string) => number,
): Checked {
  const isHost = model.hosts.has(result.object);
  if (!isHost && !model.services.has(result.object))
    return { ok: false, status: 404, error: `${place}.object: no host or service "${result.object}"` };
  if (isHost && !model.hosts.get(result.object)?.check)
    return {
      ok: false,
      status: 409,
      error: `${place}.object: host "${result.object}" has no check, so Vigil takes it as UP; give it a check to send results`,
    };
  let exitCode: ServiceState | undefined;
  if (typeof result.status === 'number') exitCode = result.status as ServiceState;
  else exitCode = (isHost ? HOST_STATUS : SERVICE_STATUS)[result.status];
  if (exitCode === undefined)
    return {
      ok: false,
      status: 400,
      error: `${place}.status: "${result.status}" is not a ${isHost ? 'host state (UP, DOWN)' : 'service state (OK, WARNING, CRITICAL, UNKNOWN)'}`,
    };
  let at = now;
  if (result.at !== undefined) {
    at = typeof result.at === 'number' ? result.at : Date.parse(result.at);
    if (Number.isNaN(at))
      return { ok: false, status: 400, error: `${place}.at: "${result.at}" is not a time` };
    if (at > now + MAX_FUTURE_MS)
      return { ok: false, status: 400, error: `${place}.at: ${new Date(at).toISOString()} is in the future` };
    const last = lastCheckOf(result.object);
    if (at < last)
      return {
        ok: false,
        status: 409,
        error: `${place}.at: ${new Date(at).toISOString()} is older than the last result of ${result.object} (${new Date(last).toISOString()})`,
      };
  }
  const text = result.long_output ? `${result.output ?? ''}\n${result.long_output}` : (result.output ?? '');
  const parsed = parsePluginOutput(Buffer.from(text, 'utf8'), { emptyOutput: '(no output)' });
  if (result.perfdata !== undefined) parsePerfdata(result.perfdata, parsed.perfdata, parsed.warnings);
  const [warning] = parsed.warnings;
  if (warning !== undefined) return { ok: false, status: 400, error: `${place}.perfdata: ${warning}` };
  return {
    ok: true,
    objectId: result.object,
    outcome: { exitCode, output: parsed.output, longOutput: parsed.longOutput, perfdata: parsed.perfdata },
    at,
  };
}

/**
 * The API's validator coerces types (for query strings); in a result body `true` must not
 * pass as status 1, nor `"12"` as a text time, so the JSON types are checked first.
 */
async function refuseCoercibleTypes(request: FastifyRequest): Promise<void> {
  const body = request.body;
  const results = Array.isArray(body) ? body : [body];
  for (const [i, result] of results.entries()) {
    if (typeof result !== 'object' || result === null) continue;
    const place = Array.isArray(body) ? `body[${i}]` : 'body';
    for (const field of ['status', 'at'] as const) {
      const value = (result as Record<string, unknown>)[field];
      if (value !== undefined && typeof value !== 'number' && typeof value !== 'string')
        throw new BadQuery(`${place}.${field} must be a number or a string, not ${JSON.stringify(value)}`);
    }
    for (const field of ['object', 'output', 'long_output', 'perfdata'] as const) {
      const value = (result as Record<string, unknown>)[field];
      if (value !== undefined && typeof value !== 'string')
        throw new BadQuery(`${place}.${field} must be a string, not ${JSON.stringify(value)}`);
    }
  }
}

export function registerResultRoutes(app: FastifyInstance, daemon: Daemon): void {
  app.post<{ Body: PassiveResult | PassiveResult[] }>(
    '/api/v1/results',
    {
      config: { access: 'operator' },
      preValidation: refuseCoercibleTypes,
      schema: {
        tags: ['results'],
        summary: 'Submit passive check results',
        description:
          `One result, or an array of up to ${MAX_RESULTS_PER_REQUEST}. All are checked before any is ` +
          'applied: one bad result refuses the whole request and changes nothing.',
        body: {
          anyOf: [
            resultSchema,
            { type: 'array', minItems: 1, maxItems: MAX_RESULTS_PER_REQUEST, items: resultSchema },
          ],
        },
        response: {
          202: {
            type: 'object',
            description: 'Applied; the state each object is in now.',
            properties: {
              accepted: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    object: { type: 'string' },
                    state: { type: 'string' },
                    stateType: { type: 'string' },
                    attempt: { type: 'integer' },
                  },
                },
              },
            },
          },
          400: errorResponse,
          404: errorResponse,
          409: errorResponse,
        },
      },
    },
    async (request, reply) => {
      const many = Array.isArray(request.body);
      const results = Array.isArray(request.body) ? request.body : [request.body];
      const model = daemon.engine.currentModel;
      const now = Date.now();
      // Later results in the same request must not be older than earlier ones for the same object.
      const lastSeen = new Map<string, number>();
      const lastCheckOf = (id: string) => lastSeen.get(id) ?? daemon.engine.stateOf(id)?.lastCheck ?? 0;
      const checked = [];
      for (const [i, result] of results.entries()) {
        const outcome = checkResult(model, result, many ? `body[${i}]` : 'body', now, lastCheckOf);
        if (!outcome.ok) {
          reply.code(outcome.status);
          return { error: outcome.error };
        }
        lastSeen.set(outcome.objectId, outcome.at);
        checked.push(outcome);
      }
      const accepted: Accepted[] = [];
      for (const result of checked) {
        const state = daemon.engine.submitResult(result.objectId, result.outcome, result.at);
        if (!state) continue;
        const names = model.hosts.has(result.objectId)
          ? ['UP', 'DOWN', 'UNREACHABLE']
          : ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];
        accepted.push({
          object: result.objectId,
          state: names[state.state] ?? String(state.state),
          stateType: state.stateType,
          attempt: state.attempt,
        });
      }
      const objects = [...new Set(accepted.map((a) => a.object))];
      await audit(daemon, request, 'results.submit', objects.slice(0, 20).join(','), {
        results: accepted.length,
        objects: objects.length,
      });
      reply.code(202);
      return { accepted };
    },
  );

  const recheckResponse = {
    202: {
      type: 'object',
      properties: { rechecking: { type: 'string', description: 'The object whose check runs now.' } },
    },
    404: errorResponse,
    409: errorResponse,
  } as const;
  const recheck = async (objectId: string, request: FastifyRequest, reply: FastifyReply) => {
    const model = daemon.engine.currentModel;
    if (!model.hosts.has(objectId) && !model.services.has(objectId)) {
      reply.code(404);
      return { error: `no host or service "${objectId}"` };
    }
    if (!daemon.engine.checkNow(objectId)) {
      reply.code(409);
      return { error: `host "${objectId}" has no check to run` };
    }
    await audit(daemon, request, 'object.recheck', objectId);
    reply.code(202);
    return { rechecking: objectId };
  };
  const nameParam = { type: 'string', minLength: 1, maxLength: 500 } as const;

  app.post<{ Params: { name: string } }>(
    '/api/v1/hosts/:name/recheck',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['results'],
        summary: 'Re-check a host now',
        description: "Moves the host's next check to now; later checks follow on from it.",
        params: { type: 'object', required: ['name'], properties: { name: nameParam } },
        response: recheckResponse,
      },
    },
    async (request, reply) => recheck(request.params.name, request, reply),
  );

  app.post<{ Params: { host: string; service: string } }>(
    '/api/v1/services/:host/:service/recheck',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['results'],
        summary: 'Re-check a service now',
        description: "Moves the service's next check to now; later checks follow on from it.",
        params: {
          type: 'object',
          required: ['host', 'service'],
          properties: { host: nameParam, service: nameParam },
        },
        response: recheckResponse,
      },
    },
    async (request, reply) => recheck(`${request.params.host}/${request.params.service}`, request, reply),
  );
}
