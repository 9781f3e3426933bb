/**
 * The environment of a production-like frontend in the benches, its two upstreams at `upstreamUrl` (a bench's
 * mock serves both): every variable production requires, with bench values.
 */
export function benchFrontendEnv(
  upstreamUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NOTIFY_ENVIRONMENT: 'production',
    LOG_LEVEL: 'info',
    API_HOST_NAME: upstreamUrl,
    ADMIN_CLIENT_SECRET: 'bench-admin-secret',
    DOCUMENT_DOWNLOAD_API_HOST_NAME: 'http://localhost:7000',
    DOCUMENT_DOWNLOAD_API_HOST_NAME_INTERNAL: upstreamUrl,
    SECRET_KEY: 'bench-secret-key',
    ACCESSIBILITY_OPERATOR_NAME: 'Document Download benchmarks',
    ACCESSIBILITY_CONTACT_EMAIL: 'accessibility@example.gov.uk',
    ACCESSIBILITY_STATEMENT_PREPARED_ON: '2026-12-01',
    ...extra,
  };
}
