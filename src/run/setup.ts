/** Set-up mistakes found by the first list call, in one sentence each, with what to check. */
import type { SetupProblem } from '../send/through-gate.js';

export function setupMessage(problem: SetupProblem, detail: string, baseUrl: string): string {
  const origin = (() => {
    try {
      return new URL(baseUrl).origin;
    } catch {
      return baseUrl;
    }
  })();
  const v3 = /\/v3\/?$/.test(baseUrl) ? '' : ' (Brevo\'s ends in /v3: https://api.brevo.com/v3)';
  switch (problem) {
    case 'refused':
      return `cannot connect to ${origin}: the connection was refused, so nothing listens there. Check --base-url (or BREVO_BASE_URL)${v3}; nothing was sent`;
    case 'no_such_host':
      return `cannot connect to ${origin}: no such host name. Check --base-url (or BREVO_BASE_URL) for a typo${v3}; nothing was sent`;
    case 'not_found':
      return `${baseUrl}/organization/invited/users answered 404 (not found): --base-url is not Brevo's API${v3}; nothing was sent`;
    case 'tls':
      return `cannot speak HTTPS with ${origin}: the server there does not answer in TLS (is it a plain http:// port?). Check --base-url; nothing was sent`;
    case 'certificate':
      return `cannot trust ${origin}: its TLS certificate is not valid (${detail.replace(/^.*\(([A-Z_]+)\)$/, '$1')}). Check --base-url, or the proxy in between; nothing was sent`;
    case 'list_refused':
      return `Brevo refused the list of users (${detail}): check the key's account and --base-url; nothing was sent`;
    case 'not_a_list':
      return `${baseUrl}/organization/invited/users answered, but not with a list of users (${detail}): --base-url does not point at Brevo's API${v3}; nothing was sent`;
  }
}
