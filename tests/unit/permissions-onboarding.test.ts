import { describe, expect, it } from 'vitest';
import {
  canAcceptInvitation,
  canApplyForGiAuthorization,
  canChangeRole,
  canManageCooperativeMembers,
  canReadGiEvidence,
  canUseAdminConsole,
  canUseReviewDesk,
} from '~/utils/permissions-onboarding.server';
import type { Actor } from '~/utils/permissions.server';

const COOP = 1;
const GI = 5;

const actor = (id: string, fields: Partial<NonNullable<Actor>> = {}): NonNullable<Actor> => ({
  id,
  roles: ['customer'],
  cooperativeIds: [],
  associationIds: [],
  ...fields,
});

const actors = {
  visitor: null,
  customer: actor('customer'),
  owner: actor('owner', { cooperativeIds: [COOP] }),
  member: actor('member', { cooperativeIds: [COOP] }),
  otherMember: actor('other-member', { cooperativeIds: [2] }),
  associationStaff: actor('staff', { associationIds: [7] }),
  coordinator: actor('coordinator', { roles: ['customer', 'coordinator'] }),
  admin: actor('admin', { roles: ['customer', 'admin'] }),
} satisfies Record<string, Actor>;

type ActorName = keyof typeof actors;
const names = Object.keys(actors) as ActorName[];
const roleIn = (name: ActorName) => (name === 'owner' ? 'owner' : name === 'member' ? 'member' : null);

const matrix: { ability: string; check: (user: Actor, name: ActorName) => boolean; allowed: ActorName[] }[] = [
  {
    ability: 'manage the members of cooperative 1',
    check: (user, name) => canManageCooperativeMembers(user, COOP, roleIn(name)),
    allowed: ['owner', 'admin'],
  },
  {
    ability: 'apply for a GI on behalf of cooperative 1 (pending verification)',
    check: (user) => canApplyForGiAuthorization(user, { id: COOP, verificationStatus: 'pending' }),
    allowed: ['owner', 'member', 'admin'],
  },
  {
    ability: 'apply for a GI on behalf of cooperative 1 (suspended)',
    check: (user) => canApplyForGiAuthorization(user, { id: COOP, verificationStatus: 'suspended' }),
    allowed: [],
  },
  {
    ability: 'use the review desk',
    check: (user) => canUseReviewDesk(user),
    allowed: ['associationStaff', 'coordinator', 'admin'],
  },
  {
    ability: 'use the admin console',
    check: (user) => canUseAdminConsole(user),
    allowed: ['admin'],
  },
  {
    ability: 'grant someone else the coordinator role',
    check: (user) => canChangeRole(user, { userId: 'someone', role: 'coordinator', grant: true }),
    allowed: ['admin'],
  },
  {
    ability: 'read the evidence of cooperative 1’s application for GI 5 (staff’s association covers GI 5, coordinator covers the region)',
    check: (user) => canReadGiEvidence(user, { cooperativeId: COOP, giId: GI }, user?.associationIds.length ? [GI] : [], true),
    allowed: ['owner', 'member', 'associationStaff', 'coordinator', 'admin'],
  },
  {
    ability: 'read the evidence of cooperative 1’s application for GI 5 (no association or coordinator covers it)',
    check: (user) => canReadGiEvidence(user, { cooperativeId: COOP, giId: GI }, [], false),
    allowed: ['owner', 'member', 'admin'],
  },
];

describe('onboarding permissions matrix', () => {
  for (const row of matrix) {
    describe(row.ability, () => {
      for (const name of names) {
        const expected = row.allowed.includes(name);
        it(`${expected ? 'allows' : 'refuses'} ${name}`, () => {
          expect(row.check(actors[name], name)).toBe(expected);
        });
      }
    });
  }
});

describe('onboarding permission rules', () => {
  it('never lets an admin remove their own admin role, but lets them remove another admin’s', () => {
    expect(canChangeRole(actors.admin, { userId: 'admin', role: 'admin', grant: false })).toBe(false);
    expect(canChangeRole(actors.admin, { userId: 'other-admin', role: 'admin', grant: false })).toBe(true);
    expect(canChangeRole(actors.admin, { userId: 'admin', role: 'coordinator', grant: true })).toBe(true);
  });

  it('never grants or revokes the customer role everyone holds', () => {
    expect(canChangeRole(actors.admin, { userId: 'someone', role: 'customer', grant: false })).toBe(false);
  });

  it('accepts an invitation only from the account holding the invited e-mail (any case) or mobile', () => {
    const byEmail = { contact: 'wang@example.com' };
    const byMobile = { contact: '13800138000' };
    expect(canAcceptInvitation({ email: 'Wang@Example.com', mobile: null }, byEmail)).toBe(true);
    expect(canAcceptInvitation({ email: 'li@example.com', mobile: '13800138000' }, byEmail)).toBe(false);
    expect(canAcceptInvitation({ email: null, mobile: '13800138000' }, byMobile)).toBe(true);
    expect(canAcceptInvitation({ email: null, mobile: '13900139000' }, byMobile)).toBe(false);
    expect(canAcceptInvitation(null, byMobile)).toBe(false);
  });

  it('gives a member without the owner role no say over members', () => {
    expect(canManageCooperativeMembers(actors.member, COOP, 'member')).toBe(false);
    // Ownership of another cooperative counts for nothing here.
    expect(canManageCooperativeMembers(actors.otherMember, COOP, 'owner')).toBe(false);
  });
});
