/**
 * The cookie that lets a recipient download a document sent with `confirmation_email`: the frontend sets it
 * (with the API's `signed_data`) and the API checks it on download. Its name is Notify's, so either half can be swapped for Notify's.
 */
export const ACCESS_COOKIE_NAME = 'document_access_signed_data';
