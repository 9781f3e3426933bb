import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrfProtection from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { edgeServerOptions, type ErrorAnswerer, registerEdgeAnswers } from '../common/http-edge.js';
import { isRecord } from '../common/json.js';
import type { Logger } from '../common/logging.js';
import { paths } from '../common/project-files.js';
import { registerRequestContext, requestContextServerOptions } from '../common/request-context.js';
import {
  contentSecurityPolicy,
  FIXED_SECURITY_HEADERS,
  newCspNonce,
  PAGE_CACHE_CONTROL,
  securityHeaders,
} from '../common/security-headers.js';
import { DocumentApiClient } from './clients/document-api.js';
import { ServiceDirectoryClient } from './clients/service-directory.js';
import { JsonUpstream, type UpstreamObserver } from './clients/upstream.js';
import type { FrontendConfig } from './config.js';
import { sendPage } from './pages.js';
import { confirmEmailRoute } from './routes/confirm-email.js';
import { DEFAULT_LANGUAGE, LANGUAGE_QUERY_NAME, parseLanguage } from './language.js';
import { aboutPagesRoute } from './routes/about-pages.js';
import { downloadRoute } from './routes/download.js';
import type { JourneyDeps } from './routes/journey.js';
import { landingRoute } from './routes/landing.js';
import { legacyRedirectsRoute } from './routes/legacy-redirects.js';
import { securityTxtRoute } from './routes/security-txt.js';
import { statusRoute } from './routes/status.js';
import { CSRF_COOKIE_NAME } from './cookies-we-set.js';
import { statusRoutes } from './urls.js';
import { type AssetUrls, createRenderer, loadAssetUrls } from './views.js';

export interface FrontendDeps {
  logger: Logger;
  /** The clock for "today" in expiry wording (tests pin it). */
  now?: () => Date;
  assets?: AssetUrls;
  /** Told about every upstream call (metrics). */
  observeUpstream?: UpstreamObserver;
}

const FORM_BODY_LIMIT = 16 * 1024;

/** The recipient web app, ready to listen (or to be handed to the server runtime). */
export async function buildFrontend(config: FrontendConfig, deps: FrontendDeps): Promise<FastifyInstance> {
  const render = createRenderer(deps.assets ?? loadAssetUrls());
  // Requests answered before or outside routing (parser errors, no Host, CONNECT...) get the error page too.
  const errorPage: ErrorAnswerer = ({ status }) => {
    const cspNonce = newCspNonce();
    return {
      headers: {
        ...securityHeaders(cspNonce),
        'Cache-Control': PAGE_CACHE_CONTROL,
        'Content-Type': 'text/html; charset=utf-8',
      },
      // Answered before the request could be read, so before its language could be: in English.
      body: render('errors/bad-request.njk', { reasonKey: badRequestReasonKey(status), cspNonce }),
    };
  };
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    ...requestContextServerOptions(),
    ...edgeServerOptions(errorPage, deps.logger),
    bodyLimit: FORM_BODY_LIMIT,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Undecodable paths and over-long ids are answered before any hook runs: give them the page treatment.
    frameworkErrors: (_error, request, reply) => {
      startPageRequest(request, reply);
      return sendPage(reply, render, 404, 'errors/404.njk');
    },
  });
  const now = deps.now ?? (() => new Date());

  const serviceDirectory = new JsonUpstream(
    'service-directory',
    config.serviceDirectoryUrl,
    undefined,
    deps.observeUpstream,
  );
  const documentApi = new JsonUpstream(
    'document-api',
    config.documentDownloadApiHostNameInternal,
    undefined,
    deps.observeUpstream,
  );
  app.addHook('onClose', async () => {
    await Promise.all([serviceDirectory.close(), documentApi.close()]);
  });

  app.decorateRequest('cspNonce', '');
  app.decorateRequest('language', DEFAULT_LANGUAGE);
  app.decorateRequest('chosenLanguage', null);
  app.addHook('onRequest', (request, reply, done) => {
    startPageRequest(request, reply);
    done();
  });
  registerRequestContext(app, {
    timeoutMs: config.requestTimeoutMs,
    onTimeout: (_request, reply) => void sendPage(reply, render, 504, 'errors/500.njk'),
    healthCheckRoutes: statusRoutes,
  });
  registerEdgeAnswers(app, errorPage);

  await app.register(fastifyCookie, { secret: config.secretKey });
  await app.register(fastifyCsrfProtection, {
    cookieKey: CSRF_COOKIE_NAME,
    // Notify's form posts its token as `csrf_token`; only the form field counts, never a header.
    getToken: (request) => formField(request.body, 'csrf_token'),
    cookieOpts: {
      path: '/',
      sameSite: 'strict',
      httpOnly: true,
      signed: true,
      secure: config.httpProtocol === 'https',
    },
  });
  // The confirm form is the only body this app takes: JSON or text is no form (415), whatever it holds.
  app.removeAllContentTypeParsers();
  await app.register(fastifyFormbody, { bodyLimit: FORM_BODY_LIMIT });
  await app.register(fastifyStatic, {
    root: join(paths.staticDir, 'assets'),
    prefix: '/assets/',
    immutable: true,
    maxAge: 31_536_000_000,
    preCompressed: true,
    index: false,
    wildcard: false,
  });

  app.setNotFoundHandler((_request, reply) => sendPage(reply, render, 404, 'errors/404.njk'));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (reply.sent) return reply;
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      request.log.info({ status, code: error.code }, 'rejected a bad request');
      return sendPage(reply, render, status, 'errors/bad-request.njk', {
        reasonKey: badRequestReasonKey(status),
      });
    }
    if (request.deadline.aborted) return reply;
    request.log.error({ err: error }, 'request failed');
    return sendPage(reply, render, 500, 'errors/500.njk');
  });

  const journey: JourneyDeps = {
    render,
    now,
    services: new ServiceDirectoryClient(serviceDirectory, {
      clientId: config.adminClientId,
      clientSecret: config.adminClientSecret,
      cacheTtlMs: config.serviceCacheTtlMs,
    }),
    documents: new DocumentApiClient(documentApi),
  };
  await app.register(landingRoute, journey);
  await app.register(confirmEmailRoute, {
    ...journey,
    documentApiPublicUrl: config.documentDownloadApiHostName,
    secureCookies: config.httpProtocol === 'https',
  });
  await app.register(downloadRoute, journey);
  await app.register(statusRoute);
  await app.register(legacyRedirectsRoute, { documentApiPublicUrl: config.documentDownloadApiHostName });
  await app.register(securityTxtRoute);
  await app.register(aboutPagesRoute, { render, accessibility: config.accessibility });
  return app;
}

/** Every request that may be answered with a page: its CSP nonce and headers, and the language its query chose. */
function startPageRequest(request: FastifyRequest, reply: FastifyReply): void {
  request.cspNonce = newCspNonce();
  const query = request.query as Record<string, unknown> | undefined;
  request.chosenLanguage = parseLanguage(query?.[LANGUAGE_QUERY_NAME]) ?? null;
  request.language = request.chosenLanguage ?? DEFAULT_LANGUAGE;
  for (const [name, value] of FIXED_SECURITY_HEADERS) reply.header(name, value);
  reply.header('content-security-policy', contentSecurityPolicy(request.cspNonce));
  reply.header('cache-control', PAGE_CACHE_CONTROL);
}

function formField(body: unknown, name: string): string | undefined {
  const value = isRecord(body) ? body[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** The catalogue key of the sentence that says what was wrong with a request refused with this status. */
function badRequestReasonKey(status: number): string {
  switch (status) {
    case 405:
      return 'errors.badRequest.reasons.notSupported';
    case 408:
      return 'errors.badRequest.reasons.tooSlow';
    case 413:
    case 431:
      return 'errors.badRequest.reasons.tooLarge';
    case 415:
      return 'errors.badRequest.reasons.notAForm';
    default:
      return 'errors.badRequest.reasons.notUnderstood';
  }
}
