import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isValidEmailAddress, stripAndRemoveObscureWhitespace } from '../../common/email.js';
import { isRecord } from '../../common/json.js';
import { ACCESS_COOKIE_NAME } from '../../common/access-cookie-name.js';
import { accessCookieDomain, accessCookiePath } from '../access-cookie-scope.js';
import { type Content, escapeHtml } from '../content.js';
import { contentOf, pageHandler, sendPage } from '../pages.js';
import { urls } from '../urls.js';
import { callContext, type Journey, type JourneyDeps, type JourneyRoute, loadJourney } from './journey.js';

export interface ConfirmEmailRouteOptions extends JourneyDeps {
  /** Public base URL of the document API: decides the access cookie's Domain. */
  documentApiPublicUrl: string;
  secureCookies: boolean;
}

type ConfirmPost = JourneyRoute & { Body: unknown };

interface FormState {
  status: number;
  emailAddress?: string;
  fieldError?: string;
  errorSummary?: Record<string, unknown>;
}

const FIELD_HREF = '#email_address';

/** The confirm-your-email form (GET) and its answer (POST): the access cookie on the right address. */
export async function confirmEmailRoute(
  app: FastifyInstance,
  options: ConfirmEmailRouteOptions,
): Promise<void> {
  const path = urls.confirmEmail;

  const renderForm = (request: FastifyRequest, reply: FastifyReply, journey: Journey, state: FormState) =>
    sendPage(
      reply,
      options.render,
      state.status,
      'pages/confirm-email.njk',
      {
        service: journey.service,
        contact: journey.contact,
        fieldError: state.fieldError,
        errorSummary: state.errorSummary,
        hasErrors: state.errorSummary !== undefined,
      },
      {
        formAction: journey.links.confirm,
        csrfToken: reply.generateCsrf(),
        emailAddress: state.emailAddress ?? '',
      },
    );

  /** The journey, or undefined when a reply (error page or redirect) has already been sent. */
  const journeyNeedingConfirmation = async (request: FastifyRequest<JourneyRoute>, reply: FastifyReply) => {
    const journey = await loadJourney(request, reply, options);
    if (journey && !journey.document.confirmEmail) {
      reply.redirect(journey.links.download, 302);
      return undefined;
    }
    return journey;
  };

  const rejectForgedForm = pageHandler(
    options.render,
    async (request: FastifyRequest<ConfirmPost>, reply) => {
      const journey = await journeyNeedingConfirmation(request, reply);
      if (!journey) return reply;
      return renderForm(request, reply, journey, {
        status: 400,
        errorSummary: summary(contentOf(request), 'confirm.errors.formNotSent'),
      });
    },
  );

  app.get<JourneyRoute>(
    path,
    pageHandler(options.render, async (request, reply) => {
      const journey = await journeyNeedingConfirmation(request, reply);
      return journey ? renderForm(request, reply, journey, { status: 200 }) : reply;
    }),
  );

  app.post<ConfirmPost>(path, {
    preHandler: app.csrfProtection,
    // A missing or forged CSRF token re-renders the form; nothing is sent upstream.
    errorHandler: async (error: FastifyError, request, reply) => {
      if (!error.code?.startsWith('FST_CSRF_')) throw error;
      return rejectForgedForm(request, reply);
    },
    handler: pageHandler(options.render, async (request: FastifyRequest<ConfirmPost>, reply) => {
      const journey = await journeyNeedingConfirmation(request, reply);
      if (!journey) return reply;

      const body = request.body;
      const raw = isRecord(body) && typeof body.email_address === 'string' ? body.email_address : '';
      const emailAddress = stripAndRemoveObscureWhitespace(raw);
      const content = contentOf(request);
      const invalid =
        emailAddress === ''
          ? 'confirm.errors.empty'
          : !isValidEmailAddress(emailAddress)
            ? 'confirm.errors.invalid'
            : undefined;
      if (invalid) {
        return renderForm(request, reply, journey, {
          status: 400,
          emailAddress,
          fieldError: content.t(invalid),
          errorSummary: summary(content, invalid),
        });
      }

      const result = await options.documents.authenticate(journey.ref, emailAddress, callContext(request));
      switch (result.kind) {
        case 'authenticated':
          reply.setCookie(ACCESS_COOKIE_NAME, result.signedData, {
            httpOnly: true,
            secure: options.secureCookies,
            sameSite: 'lax',
            path: accessCookiePath(result.directFileUrl),
            domain: accessCookieDomain(options.documentApiPublicUrl),
          });
          return reply.redirect(journey.links.download, 302);
        case 'wrong-email':
          return renderForm(request, reply, journey, {
            status: 400,
            emailAddress,
            // As Notify shows it: both sentences in one item of the summary's list, with no link.
            errorSummary: {
              titleText: content.t('common.errorSummaryTitle'),
              errorList: [
                {
                  html:
                    escapeHtml(content.t('confirm.errors.wrongAddress')) +
                    '<br>' +
                    escapeHtml(
                      content.t('confirm.errors.wrongAddressHint', { serviceName: journey.service.name }),
                    ),
                },
              ],
            },
          });
        case 'rate-limited':
          return sendPage(
            reply,
            options.render,
            429,
            'pages/too-many-attempts.njk',
            {},
            { confirmUrl: journey.links.confirm },
          );
        case 'not-found':
          return sendPage(reply, options.render, 404, 'errors/file-not-found.njk', {
            service: journey.service,
            contact: journey.contact,
          });
        case 'gone':
          return sendPage(reply, options.render, 410, 'errors/file-gone.njk', {
            service: journey.service,
            contact: journey.contact,
          });
      }
    }),
  });
}

function summary(content: Content, messageKey: string): Record<string, unknown> {
  return {
    titleText: content.t('common.errorSummaryTitle'),
    errorList: [{ text: content.t(messageKey), href: FIELD_HREF }],
  };
}
