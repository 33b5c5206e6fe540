// A fake Discord for end-to-end tests: the REST routes and the JSON gateway (v10) that discord.js uses, on
// 127.0.0.1 with a random port. Point discord.js at it with `rest: { api: fake.apiUrl }`; the gateway URL then
// comes from GET /gateway/bot. Every REST request is recorded; interactions made by tests are tracked from
// INTERACTION_CREATE to their replies so tests can await and inspect them (files included).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseBody, type UploadedFile } from './multipart.js';

export interface RecordedRequest {
  readonly method: string;
  /** Path below /api/v10, e.g. `/interactions/1/tok/callback`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly json: unknown;
  readonly files: readonly UploadedFile[];
  /** The status the fake answered. */
  status: number;
  readonly at: number;
}

export interface FakeUser {
  readonly id: string;
  readonly username: string;
  /** Permission bit set of the member in the guild, as Discord's decimal string. */
  readonly permissions?: bigint;
}

/** A message as the fake stores it (a subset of Discord's message object, enough for discord.js). */
export interface FakeMessage {
  readonly id: string;
  content: string;
  embeds: Record<string, unknown>[];
  components: Record<string, unknown>[];
  attachments: Record<string, unknown>[];
  flags: number;
  /** Files uploaded with the latest write of this message. */
  files: UploadedFile[];
}

export type InteractionEvent =
  | { readonly kind: 'callback'; readonly type: number; readonly data: Record<string, unknown> | undefined; readonly files: readonly UploadedFile[] }
  | { readonly kind: 'edit'; readonly message: FakeMessage }
  | { readonly kind: 'delete' }
  | { readonly kind: 'followup'; readonly message: FakeMessage };

/** What a test sees of one interaction it created. */
export class FakeInteraction extends EventEmitter {
  readonly events: InteractionEvent[] = [];
  /** The message shown for the original response (after edits), if any. */
  original: FakeMessage | undefined;
  readonly followups: FakeMessage[] = [];
  readonly createdAt = performance.now();

  constructor(
    readonly id: string,
    readonly token: string,
    readonly user: FakeUser,
  ) {
    super();
  }

  record(event: InteractionEvent): void {
    this.events.push(event);
    this.emit('event', event);
  }

  /** Resolves with the first event that satisfies `predicate` (also one already recorded). */
  waitFor(predicate: (event: InteractionEvent) => boolean, timeoutMs = 20_000): Promise<InteractionEvent> {
    const found = this.events.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('event', listener);
        reject(new Error(`interaction ${this.id}: no matching event within ${timeoutMs} ms; events: ${JSON.stringify(this.events.map(summarise))}`));
      }, timeoutMs);
      const listener = (event: InteractionEvent): void => {
        if (!predicate(event)) return;
        clearTimeout(timer);
        this.off('event', listener);
        resolve(event);
      };
      this.on('event', listener);
    });
  }

  /**
   * The final answer: an immediate reply (callback type 4), an edit of a deferred reply, or a follow-up.
   * Returns the message and whether it is ephemeral.
   */
  async finalReply(timeoutMs?: number): Promise<{ message: FakeMessage; ephemeral: boolean; at: number }> {
    const event = await this.waitFor(
      (e) => (e.kind === 'callback' && (e.type === 4 || e.type === 7)) || e.kind === 'edit' || e.kind === 'followup',
      timeoutMs,
    );
    const at = performance.now();
    if (event.kind === 'callback') {
      const message = toMessage('reply', event.data ?? {}, event.files, '');
      return { message, ephemeral: (message.flags & EPHEMERAL) !== 0, at };
    }
    if (event.kind === 'edit' || event.kind === 'followup') {
      const deferred = this.events.find((e) => e.kind === 'callback' && e.type === 5);
      const deferFlags = deferred?.kind === 'callback' ? Number(deferred.data?.flags ?? 0) : 0;
      const ephemeral = ((event.kind === 'edit' ? deferFlags : 0) | event.message.flags) & EPHEMERAL;
      return { message: event.message, ephemeral: ephemeral !== 0, at };
    }
    throw new Error('unreachable');
  }
}

function summarise(event: InteractionEvent): string {
  if (event.kind === 'callback') return `callback ${event.type}`;
  if (event.kind === 'edit' || event.kind === 'followup') return `${event.kind}: ${event.message.content.slice(0, 80)}`;
  return event.kind;
}

export const EPHEMERAL = 1 << 6;

let snowflakeCounter = 0n;
/** Discord-shaped ids: a timestamp part so that they sort and look real. */
function snowflake(): string {
  snowflakeCounter += 1n;
  return (((BigInt(Date.now()) - 1420070400000n) << 22n) + snowflakeCounter).toString();
}

function toMessage(id: string, data: Record<string, unknown>, files: readonly UploadedFile[], baseUrl: string): FakeMessage {
  const declared = Array.isArray(data.attachments) ? (data.attachments as Record<string, unknown>[]) : [];
  const attachments = files.map((file, index) => {
    const meta = declared.find((a) => String(a.id) === String(index)) ?? {};
    const attachmentId = snowflake();
    return {
      id: attachmentId,
      filename: file.filename,
      size: file.data.length,
      url: `${baseUrl}/attachments/${id}/${attachmentId}/${file.filename}`,
      proxy_url: `${baseUrl}/attachments/${id}/${attachmentId}/${file.filename}`,
      content_type: file.contentType,
      ...(typeof meta.description === 'string' ? { description: meta.description } : {}),
    };
  });
  return {
    id,
    content: typeof data.content === 'string' ? data.content : '',
    embeds: Array.isArray(data.embeds) ? (data.embeds as Record<string, unknown>[]) : [],
    components: Array.isArray(data.components) ? (data.components as Record<string, unknown>[]) : [],
    attachments,
    flags: Number(data.flags ?? 0),
    files: [...files],
  };
}

interface GatewaySession {
  readonly id: string;
  sequence: number;
  /** Every dispatch of this session, for replay on RESUME. */
  readonly sent: { s: number; t: string; d: unknown }[];
  socket: WebSocket | undefined;
  /** Dispatches sent while no socket was attached wait here (they are in `sent` too). */
}

export interface FakeDiscordOptions {
  readonly token: string;
  /** Heartbeat interval announced in HELLO. */
  readonly heartbeatIntervalMs?: number;
}

export class FakeDiscord {
  readonly applicationId = snowflake();
  readonly botUserId = this.applicationId;
  readonly guildId = snowflake();
  readonly channelId = snowflake();
  readonly requests: RecordedRequest[] = [];
  /** Registered application commands, global and per guild. */
  readonly commands = new Map<string, Record<string, unknown>[]>();
  readonly interactions = new Map<string, FakeInteraction>();
  readonly messages = new Map<string, FakeMessage>();
  /** Files users attached to slash commands, by attachment id; `downloads` counts how often each was fetched. */
  private readonly uploads = new Map<string, { filename: string; data: Uint8Array }>();
  readonly downloads = new Map<string, number>();
  /** Messages the bot posted in channels (POST /channels/{id}/messages), in order. */
  readonly channelMessages: (FakeMessage & { readonly channelId: string })[] = [];
  /** Emits 'channel-message' for each of them. */
  readonly events = new EventEmitter();
  readonly gatewayEvents: { op: number; t?: string | null; at: number }[] = [];
  /** Counters tests assert on. */
  identifies = 0;
  resumes = 0;

  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly sessions = new Map<string, GatewaySession>();
  private current: GatewaySession | undefined;
  private failures: { count: number; status: number; retryAfterSeconds: number; match: (r: RecordedRequest) => boolean }[] = [];
  private port = 0;

  constructor(private readonly options: FakeDiscordOptions) {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.wss = new WebSocketServer({ noServer: true });
    this.server.on('upgrade', (req, socket, head) => {
      if (!req.url?.startsWith('/gateway')) {
        socket.destroy();
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws, new URL(req.url ?? '/', 'http://x').searchParams));
    });
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The REST base for discord.js (`rest.api`); discord.js appends `/v10`. */
  get apiUrl(): string {
    return `${this.baseUrl}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * The next `count` REST requests that `match` (default: all) are answered with `status` instead of being
   * served: 429 with Discord's rate-limit headers and body, or a 5xx.
   */
  failNext(count: number, status: number, options: { retryAfterSeconds?: number; match?: (r: RecordedRequest) => boolean } = {}): void {
    this.failures.push({ count, status, retryAfterSeconds: options.retryAfterSeconds ?? 0.2, match: options.match ?? (() => true) });
  }

  /** Drops the failures that failNext set up and that no request has used yet. */
  clearFailures(): void {
    this.failures = [];
  }

  /** Closes the gateway connection: with a close frame (code 4000 lets the client resume) or by destroying the socket. */
  dropConnection(how: { code: number } | 'destroy' = { code: 4000 }): void {
    const socket = this.current?.socket;
    if (!socket) throw new Error('no gateway connection to drop');
    if (this.current) this.current.socket = undefined;
    if (how === 'destroy') socket.terminate();
    else socket.close(how.code, 'fake discord drops the connection');
  }

  /** Waits until a gateway session is live (READY or RESUMED sent) on an open socket. */
  async waitForConnection(timeoutMs = 20_000): Promise<void> {
    const started = Date.now();
    while (!(this.current?.socket && this.current.socket.readyState === 1 && this.current.sent.length > 0)) {
      if (Date.now() - started > timeoutMs) throw new Error('the bot did not connect to the fake gateway');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Dispatches a slash command as `user`; option values are typed from the registered command definition. */
  sendCommand(name: string, options: Record<string, string | number | boolean> = {}, user: FakeUser = defaultUser): FakeInteraction {
    const definition = [...this.commands.values()].flat().find((c) => c.name === name);
    const declared = (definition?.options as { name: string; type: number }[] | undefined) ?? [];
    const typed = Object.entries(options).map(([optionName, value]) => {
      const type = declared.find((o) => o.name === optionName)?.type ?? (typeof value === 'string' ? 3 : typeof value === 'boolean' ? 5 : Number.isInteger(value) ? 4 : 10);
      return { name: optionName, type, value };
    });
    return this.sendForgedCommand(name, typed, user);
  }

  /**
   * Dispatches a slash command with options exactly as given, as a modified client could send them: any option
   * type (3 string, 4 integer, 10 number, 5 boolean...) with any JSON value, whatever the registered definition says.
   */
  sendForgedCommand(name: string, typed: readonly { name: string; type: number; value: unknown }[], user: FakeUser = defaultUser): FakeInteraction {
    const definition = [...this.commands.values()].flat().find((c) => c.name === name);
    return this.dispatchInteraction(user, {
      type: 2,
      data: { id: String(definition?.id ?? snowflake()), name, type: 1, ...(typed.length > 0 ? { options: typed } : {}) },
    });
  }

  /**
   * Dispatches a slash command with a file attached to the attachment option `optionName`, as Discord does: the
   * option holds the attachment's id, `resolved.attachments` its name, size and URL (served by this fake).
   * `size` overrides the announced size (Discord's limit is far above the bot's).
   */
  sendCommandWithFile(
    name: string,
    options: Record<string, string | number | boolean>,
    optionName: string,
    file: { filename: string; data: Uint8Array; size?: number },
    user: FakeUser = defaultUser,
  ): FakeInteraction {
    const definition = [...this.commands.values()].flat().find((c) => c.name === name);
    const declared = (definition?.options as { name: string; type: number }[] | undefined) ?? [];
    const typed = Object.entries(options).map(([optionName, value]) => ({ name: optionName, type: declared.find((o) => o.name === optionName)?.type ?? 3, value }));
    const id = snowflake();
    this.uploads.set(id, { filename: file.filename, data: file.data });
    const url = `${this.baseUrl}/attachments/uploads/${id}/${encodeURIComponent(file.filename)}`;
    return this.dispatchInteraction(user, {
      type: 2,
      data: {
        id: String(definition?.id ?? snowflake()),
        name,
        type: 1,
        options: [...typed, { name: optionName, type: 11, value: id }],
        resolved: { attachments: { [id]: { id, filename: file.filename, size: file.size ?? file.data.length, url, proxy_url: url } } },
      },
    });
  }

  /** Clicks a button of a message the bot sent (found by custom id). */
  clickButton(message: FakeMessage, customId: string, user: FakeUser = defaultUser): FakeInteraction {
    const found = message.components.some((row) => (row.components as { custom_id?: string }[] | undefined)?.some((c) => c.custom_id === customId));
    if (!found) throw new Error(`message ${message.id} has no button ${customId}`);
    return this.dispatchInteraction(user, {
      type: 3,
      data: { custom_id: customId, component_type: 2 },
      message: this.messagePayload(message),
    });
  }

  /** Resolves with the first channel message (already posted or to come) that satisfies `predicate`. */
  waitForChannelMessage(predicate: (message: FakeMessage) => boolean, timeoutMs = 20_000): Promise<FakeMessage> {
    const found = this.channelMessages.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off('channel-message', listener);
        reject(new Error(`no matching channel message within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (message: FakeMessage): void => {
        if (!predicate(message)) return;
        clearTimeout(timer);
        this.events.off('channel-message', listener);
        resolve(message);
      };
      this.events.on('channel-message', listener);
    });
  }

  /** Buttons of a message: custom id by label. */
  buttons(message: FakeMessage): Map<string, string> {
    const out = new Map<string, string>();
    for (const row of message.components) {
      for (const c of (row.components as { label?: string; custom_id?: string }[] | undefined) ?? []) {
        if (c.label && c.custom_id) out.set(c.label, c.custom_id);
      }
    }
    return out;
  }

  private dispatchInteraction(user: FakeUser, body: Record<string, unknown>): FakeInteraction {
    const id = snowflake();
    const token = `itok-${id}-${Math.random().toString(36).slice(2)}`;
    const interaction = new FakeInteraction(id, token, user);
    this.interactions.set(token, interaction);
    this.dispatch('INTERACTION_CREATE', {
      id,
      application_id: this.applicationId,
      token,
      version: 1,
      guild_id: this.guildId,
      channel_id: this.channelId,
      channel: { id: this.channelId, type: 0, guild_id: this.guildId, name: 'general' },
      member: {
        user: userPayload(user),
        roles: [],
        permissions: String(user.permissions ?? 0n),
        joined_at: new Date(0).toISOString(),
        deaf: false,
        mute: false,
        flags: 0,
      },
      app_permissions: String((1n << 11n) | (1n << 15n)),
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': this.guildId },
      context: 0,
      ...body,
    });
    return interaction;
  }

  private messagePayload(message: FakeMessage): Record<string, unknown> {
    return {
      id: message.id,
      type: 0,
      channel_id: this.channelId,
      author: { id: this.botUserId, username: 'folkbot', discriminator: '0', global_name: null, avatar: null, bot: true },
      content: message.content,
      embeds: message.embeds,
      components: message.components,
      attachments: message.attachments,
      flags: message.flags,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      pinned: false,
      webhook_id: this.applicationId,
      application_id: this.applicationId,
    };
  }

  // ---------------------------------------------------------------- gateway

  private dispatch(t: string, d: unknown): void {
    const session = this.current;
    if (!session) throw new Error('no gateway session: has the bot connected?');
    this.sendDispatch(session, t, d);
  }

  private sendDispatch(session: GatewaySession, t: string, d: unknown): void {
    session.sequence += 1;
    const frame = { op: 0, t, s: session.sequence, d };
    session.sent.push({ s: session.sequence, t, d });
    if (session.socket?.readyState === 1) session.socket.send(JSON.stringify(frame));
    this.gatewayEvents.push({ op: 0, t, at: Date.now() });
  }

  private onSocket(socket: WebSocket, params: URLSearchParams): void {
    if (params.get('encoding') !== 'json' || params.has('compress')) {
      socket.close(4002, 'the fake speaks uncompressed JSON only');
      return;
    }
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.options.heartbeatIntervalMs ?? 5_000 }, s: null, t: null }));
    socket.on('message', (raw) => {
      let payload: { op: number; d: Record<string, unknown> | number | null };
      try {
        payload = JSON.parse(String(raw)) as typeof payload;
      } catch {
        socket.close(4002, 'decode error');
        return;
      }
      this.gatewayEvents.push({ op: payload.op, at: Date.now() });
      switch (payload.op) {
        case 1:
          socket.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
          break;
        case 2:
          this.onIdentify(socket, payload.d as Record<string, unknown>);
          break;
        case 6:
          this.onResume(socket, payload.d as Record<string, unknown>);
          break;
        default:
          break;
      }
    });
    socket.on('close', () => {
      if (this.current?.socket === socket) this.current.socket = undefined;
    });
  }

  private onIdentify(socket: WebSocket, d: Record<string, unknown>): void {
    if (d.token !== this.options.token) {
      socket.close(4004, 'Authentication failed.');
      return;
    }
    this.identifies += 1;
    const session: GatewaySession = { id: `session-${snowflake()}`, sequence: 0, sent: [], socket };
    this.sessions.set(session.id, session);
    this.current = session;
    this.sendDispatch(session, 'READY', {
      v: 10,
      user: { id: this.botUserId, username: 'folkbot', discriminator: '0', global_name: null, avatar: null, bot: true, flags: 0 },
      guilds: [{ id: this.guildId, unavailable: true }],
      session_id: session.id,
      resume_gateway_url: this.gatewayUrl,
      shard: d.shard ?? [0, 1],
      application: { id: this.applicationId, flags: 0 },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      user_settings: {},
    });
    this.sendDispatch(session, 'GUILD_CREATE', {
      id: this.guildId,
      name: 'Fake folk club',
      icon: null,
      owner_id: '1',
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [{ id: this.guildId, name: '@everyone', permissions: '0', position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 }],
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      joined_at: new Date(0).toISOString(),
      large: false,
      unavailable: false,
      member_count: 2,
      voice_states: [],
      members: [],
      channels: [{ id: this.channelId, type: 0, name: 'general', position: 0, permission_overwrites: [], guild_id: this.guildId }],
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
    });
  }

  private onResume(socket: WebSocket, d: Record<string, unknown>): void {
    const session = this.sessions.get(String(d.session_id));
    if (!session || d.token !== this.options.token) {
      socket.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
      return;
    }
    this.resumes += 1;
    session.socket = socket;
    this.current = session;
    const from = Number(d.seq ?? 0);
    for (const event of session.sent) {
      if (event.s > from) socket.send(JSON.stringify({ op: 0, t: event.t, s: event.s, d: event.d }));
    }
    this.sendDispatch(session, 'RESUMED', {});
  }

  // ---------------------------------------------------------------- REST

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', this.baseUrl);
    if (url.pathname.startsWith('/attachments/')) {
      this.serveAttachment(url.pathname, res);
      return;
    }
    if (!url.pathname.startsWith('/api/v10/')) {
      this.send(res, 404, { message: '404: Not Found', code: 0 });
      return;
    }
    let body;
    try {
      body = await parseBody(req.headers['content-type'], Buffer.concat(chunks));
    } catch (error) {
      this.send(res, 400, { message: `fake discord could not parse the body: ${String(error)}`, code: 50109 });
      return;
    }
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname.slice('/api/v10'.length),
      query: url.searchParams,
      headers: req.headers,
      json: body.json,
      files: body.files,
      status: 0,
      at: Date.now(),
    };
    this.requests.push(record);
    const failure = this.failures.find((f) => f.count > 0 && f.match(record));
    if (failure) {
      failure.count -= 1;
      record.status = failure.status;
      if (failure.status === 429) {
        res.writeHead(429, {
          'content-type': 'application/json',
          'retry-after': String(failure.retryAfterSeconds),
          'x-ratelimit-limit': '5',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset-after': String(failure.retryAfterSeconds),
          'x-ratelimit-bucket': 'fakebucket',
          'x-ratelimit-scope': 'user',
        });
        res.end(JSON.stringify({ message: 'You are being rate limited.', retry_after: failure.retryAfterSeconds, global: false }));
      } else {
        this.send(res, failure.status, { message: 'Internal Server Error', code: 0 });
      }
      return;
    }
    const [status, payload] = this.route(record, body.files);
    record.status = status;
    this.send(res, status, payload);
  }

  private send(res: ServerResponse, status: number, payload: unknown): void {
    if (status === 204) {
      res.writeHead(204);
      res.end();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  }

  private serveAttachment(pathname: string, res: ServerResponse): void {
    const [, , messageId, uploadId, filename] = pathname.split('/');
    if (messageId === 'uploads' && uploadId !== undefined) {
      const upload = this.uploads.get(uploadId);
      this.downloads.set(uploadId, (this.downloads.get(uploadId) ?? 0) + 1);
      if (!upload) {
        this.send(res, 404, { message: 'no such attachment' });
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.from(upload.data));
      return;
    }
    const message = [...this.messages.values()].find((m) => m.id === messageId);
    const file = message?.files.find((f) => f.filename === filename);
    if (!file) {
      this.send(res, 404, { message: 'no such attachment' });
      return;
    }
    res.writeHead(200, { 'content-type': file.contentType });
    res.end(Buffer.from(file.data));
  }

  private authorised(record: RecordedRequest): boolean {
    return record.headers.authorization === `Bot ${this.options.token}`;
  }

  private route(record: RecordedRequest, files: readonly UploadedFile[]): [number, unknown] {
    const { method, path } = record;
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const unauthorised: [number, unknown] = [401, { message: '401: Unauthorized', code: 0 }];

    if (method === 'GET' && path === '/gateway/bot') {
      if (!this.authorised(record)) return unauthorised;
      return [200, { url: this.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 } }];
    }
    if (method === 'GET' && path === '/users/@me') {
      if (!this.authorised(record)) return unauthorised;
      return [200, { id: this.botUserId, username: 'folkbot', discriminator: '0', global_name: null, avatar: null, bot: true, flags: 0 }];
    }
    // /applications/{app}/commands and /applications/{app}/guilds/{guild}/commands
    if (parts[0] === 'applications' && parts.at(-1) === 'commands') {
      if (!this.authorised(record)) return unauthorised;
      if (parts[1] !== this.applicationId) return [404, { message: 'Unknown Application', code: 10002 }];
      const scope = parts[2] === 'guilds' ? `guild:${parts[3]}` : 'global';
      if (method === 'PUT') {
        const list = (record.json as Record<string, unknown>[]).map((c) => ({
          ...c,
          id: snowflake(),
          application_id: this.applicationId,
          version: snowflake(),
          ...(scope === 'global' ? {} : { guild_id: parts[3] }),
          type: c.type ?? 1,
        }));
        this.commands.set(scope, list);
        return [200, list];
      }
      if (method === 'GET') return [200, this.commands.get(scope) ?? []];
    }
    // POST /interactions/{id}/{token}/callback
    if (parts[0] === 'interactions' && parts[3] === 'callback' && method === 'POST') {
      const interaction = this.interactions.get(parts[2] ?? '');
      if (!interaction || interaction.id !== parts[1]) return [404, { message: 'Unknown interaction', code: 10062 }];
      if (interaction.events.some((e) => e.kind === 'callback')) return [400, { message: 'Interaction has already been acknowledged.', code: 40060 }];
      const body = record.json as { type: number; data?: Record<string, unknown> };
      interaction.record({ kind: 'callback', type: body.type, data: body.data, files });
      if (body.type === 4 || body.type === 5) {
        const message = toMessage(snowflake(), body.data ?? {}, files, this.baseUrl);
        if (body.type === 4) {
          interaction.original = message;
          this.messages.set(`${interaction.token}/@original`, message);
        } else {
          interaction.original = { ...message, content: '', flags: message.flags };
          this.messages.set(`${interaction.token}/@original`, interaction.original);
        }
      }
      const withResponse = record.query.get('with_response') === 'true';
      return withResponse ? [200, { interaction: { id: interaction.id, type: 2 }, resource: { type: body.type } }] : [204, undefined];
    }
    // /webhooks/{app}/{token}[/messages/{id}]
    if (parts[0] === 'webhooks') {
      const interaction = this.interactions.get(parts[2] ?? '');
      if (!interaction || parts[1] !== this.applicationId) return [404, { message: 'Unknown Webhook', code: 10015 }];
      if (parts.length === 3 && method === 'POST') {
        const message = toMessage(snowflake(), (record.json ?? {}) as Record<string, unknown>, files, this.baseUrl);
        interaction.followups.push(message);
        this.messages.set(`${interaction.token}/${message.id}`, message);
        interaction.record({ kind: 'followup', message });
        return [200, this.messagePayload(message)];
      }
      if (parts[3] === 'messages' && parts[4]) {
        const key = `${interaction.token}/${parts[4]}`;
        const existing = this.messages.get(key);
        if (!existing) return [404, { message: 'Unknown Message', code: 10008 }];
        if (method === 'GET') return [200, this.messagePayload(existing)];
        if (method === 'DELETE') {
          this.messages.delete(key);
          interaction.record({ kind: 'delete' });
          return [204, undefined];
        }
        if (method === 'PATCH') {
          const patch = (record.json ?? {}) as Record<string, unknown>;
          const next = toMessage(existing.id, { ...this.messagePayload(existing), ...patch, attachments: patch.attachments ?? [] }, files, this.baseUrl);
          // An edit without new files keeps the attachments it does not drop.
          if (files.length === 0 && patch.attachments === undefined) {
            next.attachments = existing.attachments;
            next.files = existing.files;
          }
          next.flags = existing.flags;
          this.messages.set(key, next);
          if (parts[4] === '@original') interaction.original = next;
          interaction.record({ kind: 'edit', message: next });
          return [200, this.messagePayload(next)];
        }
      }
    }
    // POST /channels/{channel}/messages
    if (parts[0] === 'channels' && parts[2] === 'messages' && parts.length === 3 && method === 'POST') {
      if (!this.authorised(record)) return unauthorised;
      if (parts[1] !== this.channelId) return [404, { message: 'Unknown Channel', code: 10003 }];
      const message = { ...toMessage(snowflake(), (record.json ?? {}) as Record<string, unknown>, files, this.baseUrl), channelId: parts[1] };
      this.channelMessages.push(message);
      this.messages.set(`channel/${message.id}`, message);
      this.events.emit('channel-message', message);
      return [200, this.messagePayload(message)];
    }
    return [404, { message: `fake discord does not serve ${method} ${path}`, code: 0 }];
  }
}

export const defaultUser: FakeUser = { id: '100000000000000001', username: 'fiddler' };

function userPayload(user: FakeUser): Record<string, unknown> {
  return { id: user.id, username: user.username, discriminator: '0', global_name: user.username, avatar: null };
}

/** Administrator permission bit. */
export const ADMINISTRATOR = 1n << 3n;
