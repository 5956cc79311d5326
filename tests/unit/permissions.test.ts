import { describe, expect, it } from 'vitest';
import {
  canDecideGiAuthorization,
  canManageCooperative,
  canTriageReport,
  canUseCoordinatorDesk,
  canVerifyCooperative,
  canViewReport,
  coversRegion,
  hasRole,
  type Actor,
} from '~/utils/permissions.server';

// Cooperative 1 (秭归, 420527) applies for GI 5 (秭归脐橙); association 7 covers 宜昌 (420500) and GI 5.
const COOP = 1;
const OTHER_COOP = 2;
const GI = 5;
const ASSOCIATION = 7;
const ZIGUI_PATH = ['420000', '420500', '420527'];
const QIANJIANG_PATH = ['420000', '429005'];

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
  member: actor('member', { cooperativeIds: [COOP] }),
  otherMember: actor('other-member', { cooperativeIds: [OTHER_COOP] }),
  associationStaff: actor('staff', { associationIds: [ASSOCIATION] }),
  staffAndMember: actor('staff-member', { associationIds: [ASSOCIATION], cooperativeIds: [COOP] }),
  coordinator: actor('coordinator', { roles: ['customer', 'coordinator'] }),
  coordinatorAndMember: actor('coordinator-member', { roles: ['customer', 'coordinator'], cooperativeIds: [COOP] }),
  admin: actor('admin', { roles: ['customer', 'admin'] }),
  adminAndMember: actor('admin-member', { roles: ['customer', 'admin'], cooperativeIds: [COOP] }),
} satisfies Record<string, Actor>;

type ActorName = keyof typeof actors;

/** Each ability with the actors allowed it; every other actor must be refused. */
const matrix: { ability: string; check: (user: Actor) => boolean; allowed: ActorName[] }[] = [
  {
    ability: 'manage cooperative 1',
    check: (user) => canManageCooperative(user, COOP),
    allowed: ['member', 'staffAndMember', 'coordinatorAndMember', 'admin', 'adminAndMember'],
  },
  {
    ability: 'verify cooperative 1 (association 7 covers its region)',
    check: (user) => canVerifyCooperative(user, { id: COOP }, [ASSOCIATION]),
    allowed: ['associationStaff', 'admin'],
  },
  {
    ability: 'verify cooperative 1 (no association covers its region)',
    check: (user) => canVerifyCooperative(user, { id: COOP }, []),
    allowed: ['admin'],
  },
  {
    ability: 'decide cooperative 1’s use of GI 5 (staff’s association covers GI 5; coordinator covers the region)',
    check: (user) => canDecideGiAuthorization(user, { cooperativeId: COOP, giId: GI }, user?.associationIds.length ? [GI] : [], true),
    allowed: ['associationStaff', 'coordinator', 'admin'],
  },
  {
    ability: 'decide cooperative 1’s use of GI 5 (no association covers GI 5; coordinator elsewhere)',
    check: (user) => canDecideGiAuthorization(user, { cooperativeId: COOP, giId: GI }, [], false),
    allowed: ['admin'],
  },
  {
    ability: 'use the coordinator desk',
    check: (user) => canUseCoordinatorDesk(user),
    allowed: ['coordinator', 'coordinatorAndMember', 'admin', 'adminAndMember'],
  },
  {
    ability: 'view a report by the customer about cooperative 1 in 秭归 (coordinator covers 宜昌)',
    check: (user) =>
      canViewReport(user, { reporterUserId: 'customer', cooperativeIds: [COOP] }, { coordinatorRegionCodes: ['420500'], reportRegionPath: ZIGUI_PATH }),
    allowed: ['customer', 'member', 'staffAndMember', 'coordinator', 'coordinatorAndMember', 'admin', 'adminAndMember'],
  },
  {
    ability: 'view a report by someone else about cooperative 2 in 潜江 (coordinator covers 宜昌 only)',
    check: (user) =>
      canViewReport(user, { reporterUserId: 'someone', cooperativeIds: [OTHER_COOP] }, { coordinatorRegionCodes: ['420500'], reportRegionPath: QIANJIANG_PATH }),
    allowed: ['otherMember', 'admin', 'adminAndMember'],
  },
  {
    ability: 'triage a report in 秭归 (coordinator covers 湖北)',
    check: (user) => canTriageReport(user, { coordinatorRegionCodes: ['420000'], reportRegionPath: ZIGUI_PATH }),
    allowed: ['coordinator', 'coordinatorAndMember', 'admin', 'adminAndMember'],
  },
  {
    ability: 'triage a report in 潜江 (coordinator covers 宜昌 only)',
    check: (user) => canTriageReport(user, { coordinatorRegionCodes: ['420500'], reportRegionPath: QIANJIANG_PATH }),
    allowed: ['admin', 'adminAndMember'],
  },
];

describe('permissions matrix', () => {
  const names = Object.keys(actors) as ActorName[];
  for (const row of matrix) {
    describe(row.ability, () => {
      for (const name of names) {
        const expected = row.allowed.includes(name);
        it(`${expected ? 'allows' : 'refuses'} ${name}`, () => {
          expect(row.check(actors[name])).toBe(expected);
        });
      }
    });
  }
});

describe('permission rules', () => {
  it('never lets a member verify or authorize their own cooperative, whatever else they are', () => {
    for (const user of [actors.staffAndMember, actors.coordinatorAndMember, actors.adminAndMember]) {
      expect(canVerifyCooperative(user, { id: COOP }, [ASSOCIATION])).toBe(false);
      expect(canDecideGiAuthorization(user, { cooperativeId: COOP, giId: GI }, [GI], true)).toBe(false);
    }
  });

  it('reads site roles literally: admin does not imply coordinator', () => {
    expect(hasRole(actors.admin, 'admin')).toBe(true);
    expect(hasRole(actors.admin, 'coordinator')).toBe(false);
    expect(hasRole(actors.visitor, 'customer')).toBe(false);
  });

  it('covers a region when it or any region above it is covered', () => {
    expect(coversRegion(['420000'], ZIGUI_PATH)).toBe(true);
    expect(coversRegion(['420527'], ZIGUI_PATH)).toBe(true);
    expect(coversRegion(['420500'], QIANJIANG_PATH)).toBe(false);
    expect(coversRegion([], ZIGUI_PATH)).toBe(false);
  });
});
