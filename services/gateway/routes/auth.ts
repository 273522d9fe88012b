/** Login and logout of dashboard users (session cookie), and "who am I". */
import type { FastifyInstance } from 'fastify';
import { SESSION_COOKIE } from '../auth.ts';
import type { GatewayContext } from '../context.ts';

export async function authRoutes(app: FastifyInstance, { context }: { context: GatewayContext }): Promise<void> {
  const cookieOptions = { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: context.tls };

  app.post<{ Body: { username: string; password: string } }>(
    '/api/login',
    {
      config: { public: true, rateLimit: { max: context.config.rateLimit.loginMax, timeWindow: context.config.rateLimit.windowSeconds * 1000 } },
      schema: {
        tags: ['auth'],
        summary: 'Log a dashboard user in; sets an HttpOnly, SameSite=Strict session cookie.',
        security: [],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['username', 'password'],
          properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 256 } },
        },
        response: { 200: { type: 'object', properties: { user: { type: 'string' } } } },
      },
    },
    async (request, reply) => {
      const principal = context.auth.login(request.body.username, request.body.password);
      if (!principal) {
        request.log.warn({ user: request.body.username.slice(0, 64) }, 'login failed');
        return reply.code(401).send({ statusCode: 401, error: 'Unauthorized', code: 'NS_ERR_AUTH', message: 'wrong user name or password' });
      }
      const session = context.auth.issueSession(principal.name);
      request.log.info({ user: principal.name }, 'login');
      return reply.setCookie(SESSION_COOKIE, session.token, { ...cookieOptions, maxAge: session.maxAgeSeconds }).send({ user: principal.name });
    },
  );

  app.post('/api/logout', { schema: { tags: ['auth'], summary: 'End the session of the cookie.' } }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) context.auth.revokeSession(token);
    return reply.clearCookie(SESSION_COOKIE, cookieOptions).code(204).send();
  });

  app.get(
    '/api/me',
    { schema: { tags: ['auth'], summary: 'The caller.', response: { 200: { type: 'object', properties: { name: { type: 'string' }, kind: { type: 'string' } } } } } },
    async (request) => ({ name: request.principal!.name, kind: request.principal!.kind }),
  );
}
