/**
 * The cookie that lets a recipient download a document sent with `confirmation_email`: the frontend sets it
 * (with the API's `signed_data`) and the API checks it on download. Its name is Notify's (SPEC: cookie names).
 */
export const ACCESS_COOKIE_NAME = 'document_access_signed_data';
