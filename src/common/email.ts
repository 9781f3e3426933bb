import { domainToASCII } from 'node:url';

// Notify's email rules (notifications-utils): a strict local part, no double dots, an IDNA-encodable
// hostname of at most 253 characters with labels of at most 63, a real-looking TLD, 320 characters in all.
const LOCAL_CHARS = "a-zA-Z0-9.!#$%&'*+/=?^_`{|}~\\-";
export const EMAIL_PATTERN = new RegExp(`^[${LOCAL_CHARS}]+@([^.@][^@\\s]+)$`);
const HOSTNAME_LABEL = /^(xn|[a-z0-9]+)(-?-[a-z0-9]+)*$/i;
const TLD = /^([a-z]{2,63}|xn--([a-z0-9]+-)*[a-z0-9]+)$/i;

// Whitespace that people paste in by accident, which Notify strips as well as ordinary spaces.
const OBSCURE_WHITESPACE = /\u180E|\u200B|\u200C|\u200D|\u2060|\uFEFF/g;

export function stripAndRemoveObscureWhitespace(value: string): string {
  return value.replace(OBSCURE_WHITESPACE, '').trim();
}

/** The cleaned address when it passes Notify's rules, undefined otherwise. */
export function validateEmailAddress(input: string): string | undefined {
  const email = stripAndRemoveObscureWhitespace(input);
  const match = EMAIL_PATTERN.exec(email);
  if (!match || email.length > 320 || email.includes('..')) return undefined;
  const hostname = toAsciiHostname(match[1] as string);
  if (hostname === undefined) return undefined;
  const labels = hostname.split('.');
  if (hostname.length > 253 || labels.length < 2) return undefined;
  if (!labels.every((label) => label.length > 0 && label.length <= 63 && HOSTNAME_LABEL.test(label))) {
    return undefined;
  }
  return TLD.test(labels[labels.length - 1] as string) ? email : undefined;
}

export function isValidEmailAddress(input: string): boolean {
  return validateEmailAddress(input) !== undefined;
}

function toAsciiHostname(hostname: string): string | undefined {
  // Plain ASCII hostnames are checked as written (domainToASCII would lowercase and rewrite them).
  if (/^[\x21-\x7e]+$/.test(hostname)) return hostname;
  const ascii = domainToASCII(hostname);
  return ascii === '' ? undefined : ascii;
}
