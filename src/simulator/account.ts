/**
 * The simulated Brevo account: who is in it (active or pending, the owner), with what access, and
 * what each organization endpoint does to it. Pure state and answers; HTTP, faults and the rate
 * limit are server.ts's business.
 */
import { isFeature, permissionsOf } from '../catalog/catalog.js';

export interface SimUser {
  email: string;
  status: 'active' | 'pending';
  isOwner: boolean;
  allFeaturesAccess: boolean;
  privileges: Array<{ feature: string; permissions: string[] }>;
  invoiceId?: string | undefined;
}

export interface Removal {
  email: string;
  how: 'revoke' | 'cancel';
  at: number;
}

/** An answer: status and JSON body. */
export interface Reply {
  status: number;
  body: unknown;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Checks an invitation (or permissions) body the way Brevo's schema and catalog do; returns the problem, if any. */
export function checkInvitation(body: unknown): { code: string; message: string } | undefined {
  if (typeof body !== 'object' || body === null) return { code: 'bad_request', message: 'Body must be a JSON object' };
  const b = body as Record<string, unknown>;
  for (const field of ['email', 'all_features_access', 'privileges']) {
    if (!(field in b)) return { code: 'missing_parameter', message: `${field} is missing` };
  }
  if (typeof b.email !== 'string' || !EMAIL.test(b.email)) return { code: 'invalid_parameter', message: 'email is not valid' };
  if (typeof b.all_features_access !== 'boolean') return { code: 'invalid_parameter', message: 'all_features_access must be a boolean' };
  if (!Array.isArray(b.privileges)) return { code: 'invalid_parameter', message: 'privileges must be an array' };
  for (const p of b.privileges as unknown[]) {
    const { feature, permissions } = (p ?? {}) as { feature?: unknown; permissions?: unknown };
    if (typeof feature !== 'string' || !isFeature(feature)) return { code: 'invalid_parameter', message: `Invalid feature: ${String(feature)}` };
    if (!Array.isArray(permissions) || permissions.length === 0) return { code: 'invalid_parameter', message: `permissions of ${feature} must be a non-empty array` };
    for (const perm of permissions) {
      if (!(permissionsOf(feature) as readonly unknown[]).includes(perm)) return { code: 'invalid_parameter', message: `Invalid permission ${String(perm)} for feature ${feature}` };
    }
  }
  if (b.all_features_access === false && b.privileges.length === 0) return { code: 'missing_parameter', message: 'privileges are required when all_features_access is false' };
  return undefined;
}

const notFound: Reply = { status: 404, body: { code: 'document_not_found', message: 'User not found' } };
const ownerRefused: Reply = { status: 403, body: { code: 'permission_denied', message: 'The owner of the organization cannot be changed' } };

export class Account {
  readonly users = new Map<string, SimUser>();
  readonly removals: Removal[] = [];
  #invoices = 0;
  #creditNotes = 0;

  constructor(
    private readonly options: { planLacks?: readonly string[] | undefined; acceptDuplicates?: boolean | undefined } = {},
  ) {}

  add(user: SimUser): void {
    // Looked up ignoring case; listed as spelled (Brevo keeps an address's letter case).
    this.users.set(user.email.toLowerCase(), { ...user });
  }

  list(): Reply {
    return {
      status: 200,
      body: {
        users: [...this.users.values()].map((u) => ({
          email: u.email,
          status: u.status,
          is_owner: u.isOwner,
          feature_access: { marketing: u.isOwner ? 'owner' : u.allFeaturesAccess ? 'full' : 'custom', conversations: 'none', crm: 'none' },
        })),
      },
    };
  }

  /** The body's access, or the refusal of a body the schema or the plan does not allow. */
  #access(body: unknown): Reply | { allFeaturesAccess: boolean; privileges: SimUser['privileges'] } {
    const problem = checkInvitation(body);
    if (problem !== undefined) return { status: 400, body: problem };
    const b = body as { all_features_access: boolean; privileges: SimUser['privileges'] };
    const lacking = b.privileges.find((p) => this.options.planLacks?.includes(p.feature));
    if (lacking !== undefined) return { status: 400, body: { code: 'invalid_parameter', message: `The feature ${lacking.feature} is not available on your current plan` } };
    return { allFeaturesAccess: b.all_features_access, privileges: b.privileges };
  }

  /** POST /organization/user/invitation/send. `accepted` says whether an invitation was recorded. */
  invite(body: unknown): Reply & { accepted: boolean } {
    const access = this.#access(body);
    if ('status' in access) return { ...access, accepted: false };
    const email = (body as { email: string }).email.toLowerCase();
    if (this.users.has(email) && this.options.acceptDuplicates !== true) {
      return { status: 400, body: { code: 'invalid_parameter', message: 'User already exists in the organization' }, accepted: false };
    }
    const invoiceId = `INV-${String(++this.#invoices).padStart(6, '0')}`;
    this.users.set(email, { email, status: 'pending', isOwner: false, ...access, invoiceId });
    return { status: 200, body: { status: 'OK', invoice_id: invoiceId }, accepted: true };
  }

  /** POST /organization/user/update/permissions. */
  update(body: unknown): Reply {
    const access = this.#access(body);
    if ('status' in access) return access;
    const user = this.users.get((body as { email: string }).email.toLowerCase());
    if (user === undefined) return notFound;
    if (user.isOwner) return ownerRefused;
    const downgrade = user.allFeaturesAccess && !access.allFeaturesAccess;
    Object.assign(user, access);
    return { status: 200, body: { status: 'OK', ...(downgrade ? { credit_notes: [this.#creditNote()] } : {}) } };
  }

  /** PUT /organization/user/invitation/{resend|cancel|revoke}/{email}. */
  change(how: 'resend' | 'cancel' | 'revoke', email: string, at: number): Reply {
    const user = this.users.get(email.toLowerCase());
    if (user === undefined) return notFound;
    if (user.isOwner) return ownerRefused;
    if (how === 'resend' || how === 'cancel') {
      if (user.status !== 'pending') return { status: 400, body: { code: 'invalid_parameter', message: 'The user has already accepted the invitation' } };
      if (how === 'resend') return { status: 200, body: { status: 'OK' } };
    } else if (user.status !== 'active') {
      return { status: 400, body: { code: 'invalid_parameter', message: 'The invitation is still pending: cancel it instead' } };
    }
    this.users.delete(user.email.toLowerCase());
    this.removals.push({ email: user.email, how, at });
    return { status: 200, body: { status: 'OK', ...(how === 'revoke' ? { credit_notes: [this.#creditNote()] } : {}) } };
  }

  #creditNote(): string {
    return `CN-${String(++this.#creditNotes).padStart(6, '0')}`;
  }
}
