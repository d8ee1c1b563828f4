import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { withBadges } from '../alerting/badges.ts';
import {
  answerChatCommand,
  type ChatContext,
  type ChatReply,
  chatCommandLine,
  parseChatCommand,
} from '../alerting/chat-commands.ts';
import { problemGroups } from '../topology/problem-groups.ts';
import type { Daemon } from './daemon.ts';

// The chat bot's HTTP side: a Slack-style slash command and a generic JSON form, both
// authenticated by `settings.chatbot`'s shared secret. Without a secret both answer 404.
// Acknowledgements and downtime are written to the store and read back by the daemon at
// once, as the API's own routes do, so their notifications are queued before the answer.
// The routes are public to the API's own sign-in (they check their own secret); what the
// bot changes is audited with via 'chat' and the chat user as actor.

/** Slack refuses requests whose timestamp is further than this from now; so does Vigil. */
const SLACK_MAX_SKEW_MS = 5 * 60_000;
/** A chat command is one line; a body this large is not one. */
const CHAT_BODY_LIMIT = 16 * 1024;

export interface ChatRouteOptions {
  clock?: () => number;
}

const jsonBody = {
  type: 'object',
  additionalProperties: false,
  required: ['user', 'text'],
  properties: {
    user: { type: 'string', minLength: 1, maxLength: 200 },
    text: { type: 'string', maxLength: 4000 },
  },
} as const;

export function registerChatRoutes(
  app: FastifyInstance,
  daemon: Daemon,
  options: ChatRouteOptions = {},
): void {
  const clock = options.clock ?? Date.now;
  const replays = new ReplayGuard();

  // Encapsulated: the form parser that keeps the raw body applies to these routes only.
  void app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: CHAT_BODY_LIMIT },
      (_request, body, done) => done(null, body),
    );

    scope.post(
      '/api/v1/chat/slack',
      {
        config: { access: 'public' },
        bodyLimit: CHAT_BODY_LIMIT,
        // The timestamp is checked before the body is read: a stale request costs nothing.
        onRequest: async (request, reply) => {
          const secret = await chatSecret(daemon, reply);
          if (secret === undefined) return reply;
          const timestamp = header(request, 'x-slack-request-timestamp');
          if (!/^\d{1,12}$/.test(timestamp))
            return unauthorised(daemon, request, reply, 'missing or malformed X-Slack-Request-Timestamp');
          if (Math.abs(clock() - Number(timestamp) * 1000) > SLACK_MAX_SKEW_MS)
            return unauthorised(
              daemon,
              request,
              reply,
              'X-Slack-Request-Timestamp is more than 5 minutes off',
            );
          request.chatSecret = secret;
        },
      },
      async (request, reply) => {
        const secret = request.chatSecret as string;
        if (typeof request.body !== 'string') {
          reply.code(415);
          return { error: 'a Slack slash command is sent as application/x-www-form-urlencoded' };
        }
        const timestamp = header(request, 'x-slack-request-timestamp');
        const signature = header(request, 'x-slack-signature');
        const expected = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${request.body}`).digest('hex')}`;
        if (!sameText(signature, expected))
          return unauthorised(daemon, request, reply, 'X-Slack-Signature does not match');
        if (!replays.firstSight(signature, Number(timestamp) * 1000 + SLACK_MAX_SKEW_MS, clock()))
          return unauthorised(daemon, request, reply, 'this signed request was already received');

        const form = new URLSearchParams(request.body);
        // Slack checks the URL with an ssl_check request when a command is saved.
        if (form.get('ssl_check') === '1') return {};
        const user = form.get('user_name') || form.get('user_id') || '';
        const line = chatCommandLine(form.get('command') ?? '', slackUnescape(form.get('text') ?? ''));
        const result = await answer(daemon, user, line, clock(), request.ip);
        return {
          response_type: result.toRoom ? 'in_channel' : 'ephemeral',
          text: slackEscape(result.text),
        };
      },
    );

    scope.post<{ Body: { user: string; text: string } }>(
      '/api/v1/chat',
      {
        config: { access: 'public' },
        bodyLimit: CHAT_BODY_LIMIT,
        schema: { body: jsonBody },
        onRequest: async (request, reply) => {
          const secret = await chatSecret(daemon, reply);
          if (secret === undefined) return reply;
          const match = /^Bearer\s+(.+)$/i.exec(header(request, 'authorization'));
          if (!match || !sameText((match[1] as string).trim(), secret)) {
            reply.header('www-authenticate', 'Bearer');
            return unauthorised(daemon, request, reply, 'missing or wrong bearer token');
          }
        },
      },
      async (request, reply) => {
        const result = await answer(daemon, request.body.user, request.body.text, clock(), request.ip);
        if (result.failed) reply.code(503);
        return { text: result.text, ok: result.ok };
      },
    );
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The chat bot's secret, once a Slack request's headers passed. */
    chatSecret?: string;
  }
}

/** Answers a command line; a failing store is a refusal saying so, marked `failed`. */
async function answer(
  daemon: Daemon,
  user: string,
  line: string,
  now: number,
  remoteAddress: string,
): Promise<ChatReply & { failed?: true }> {
  const command = parseChatCommand(line);
  try {
    const reply = await answerChatCommand(command, chatContext(daemon, user, now, remoteAddress));
    daemon.log.info({ user, command: command.kind, ok: reply.ok }, `chat: ${user}: ${line.slice(0, 200)}`);
    return reply;
  } catch (error) {
    daemon.log.error({ err: error, user, command: command.kind }, 'chat command failed');
    const reason = error instanceof Error ? error.message : String(error);
    return { text: `vigil could not do that: ${reason}`, ok: false, toRoom: false, failed: true };
  }
}

function chatContext(daemon: Daemon, user: string, now: number, remoteAddress: string): ChatContext {
  const model = daemon.engine.currentModel;
  const audit = (action: string, target: string, detail: Record<string, unknown> = {}) =>
    daemon.store.audit
      .record({ at: now, actor: user, via: 'chat', action, target, detail, remoteAddress })
      .catch((error: unknown) => daemon.log.error({ err: error, action }, 'audit log write failed'));
  return {
    user,
    now,
    model,
    stateOf: (objectId) => daemon.engine.stateOf(objectId),
    problems: () => withBadges(problemGroups(model, daemon.engine.allStates()), daemon.suppressions, now),
    checkedCount: () => [...daemon.engine.allStates()].length,
    acknowledge: async (ack) => {
      await daemon.store.acknowledgements.add(ack);
      await daemon.suppressions.refresh();
      await audit('acknowledgement.add', ack.objectId, { comment: ack.comment, sticky: ack.sticky });
    },
    unacknowledge: async (objectId, reason) => {
      const removed = await daemon.store.acknowledgements.remove(objectId, now, reason);
      if (removed > 0) {
        await daemon.suppressions.refresh();
        await audit('acknowledgement.remove', objectId);
      }
      return removed > 0;
    },
    scheduleDowntime: async (downtime) => {
      const saved = await daemon.store.downtimes.add(downtime);
      await daemon.suppressions.refresh();
      await audit('downtime.add', String(saved.id), {
        target: `${saved.target.kind}:${saved.target.name}`,
        comment: saved.comment,
      });
      return saved;
    },
  };
}

/**
 * The configured secret, read now (a `secret_file` may be rotated without a reload); answers
 * 404 when the chat bot is off and 503 when its secret file cannot be used.
 */
async function chatSecret(daemon: Daemon, reply: FastifyReply): Promise<string | undefined> {
  const settings = daemon.engine.currentModel.settings.chatbot;
  if (!settings) {
    reply.code(404).send({ error: 'the chat bot is off: set settings.chatbot.secret to turn it on' });
    return undefined;
  }
  if (settings.secret !== undefined) return settings.secret;
  let secret: string;
  try {
    secret = (await readFile(settings.secretFile as string, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    daemon.log.error({ err: error }, `chat bot: cannot read secret_file ${settings.secretFile}`);
    reply.code(503).send({ error: 'the chat bot cannot read its secret_file' });
    return undefined;
  }
  if (secret.length < 16) {
    daemon.log.error(`chat bot: the secret in ${settings.secretFile} is shorter than 16 characters`);
    reply.code(503).send({ error: 'the chat bot secret is too short' });
    return undefined;
  }
  return secret;
}

function unauthorised(daemon: Daemon, request: FastifyRequest, reply: FastifyReply, reason: string) {
  daemon.log.warn({ url: request.url, remote: request.ip }, `chat request refused: ${reason}`);
  return reply.code(401).send({ error: reason });
}

function header(request: FastifyRequest, name: string): string {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/** Compares in time independent of where the texts differ (both are hashed to one length first). */
function sameText(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Signatures seen within the timestamp window: an intercepted request replayed within the
 * five minutes its timestamp allows is refused too.
 */
class ReplayGuard {
  private readonly seen = new Map<string, number>();

  firstSight(signature: string, expiresAt: number, now: number): boolean {
    for (const [key, expiry] of this.seen) {
      if (expiry > now && this.seen.size < 100_000) break;
      this.seen.delete(key);
    }
    if (this.seen.has(signature)) return false;
    this.seen.set(signature, expiresAt);
    return true;
  }
}

/** Slack escapes &, < and > and writes links and mentions as <target|label>. */
function slackUnescape(text: string): string {
  return text
    .replace(/<([^<>|]*)\|([^<>]*)>/g, '$2')
    .replace(/<([^<>]*)>/g, '$1')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

function slackEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
