/**
 * Logistics and stalled-sales report checks, pure like permissions.server.ts (to be merged into
 * it): who files, who reads, who comments, who triages, who may be assigned. Loaders fetch the
 * facts (the report's region path, the regions a coordinator covers, the regions of the user's
 * associations) and ask here.
 */
import { canTriageReport, canViewReport, coversRegion, hasRole, isAdmin, isAssociationStaff, isCooperativeMember, type Actor } from './permissions.server';

/** What a report check needs to know about the report. */
export interface ReportFacts {
  reporterUserId: string | null;
  associationId: number | null;
  cooperativeIds: readonly number[];
}

/** What a report check needs to know about the user and the report's place. */
export interface ReportAccessFacts {
  /** The regions the user covers as a coordinator (empty for anyone else). */
  coordinatorRegionCodes: readonly string[];
  /** The regions of the associations the user works for (empty for anyone else). */
  associationRegionCodes: readonly string[];
  /** The report's region and its ancestors, province first. */
  reportRegionPath: readonly string[];
}

/** File a report: cooperative members, association staff, coordinators (for a caller) and admins. */
export function canFileReport(user: Actor): boolean {
  return isCooperativeMember(user) || isAssociationStaff(user) || hasRole(user, 'coordinator') || isAdmin(user);
}

/** File on behalf of someone who phoned in (filed_for_name): coordinators and admins. */
export function canFileReportOnBehalf(user: Actor): boolean {
  return hasRole(user, 'coordinator') || isAdmin(user);
}

/**
 * Read a report: whoever canViewReport allows (reporter, members of the cooperatives it
 * concerns, coordinators covering its region, admins), and staff of the association it was
 * filed through or of an association whose regions contain it.
 */
export function canViewReportAsParticipant(user: Actor, report: ReportFacts, facts: ReportAccessFacts): boolean {
  if (canViewReport(user, report, facts)) return true;
  if (!user || !isAssociationStaff(user)) return false;
  if (report.associationId !== null && user.associationIds.includes(report.associationId)) return true;
  return coversRegion(facts.associationRegionCodes, facts.reportRegionPath);
}

/** Internal notes are written and read by those who triage the report, never by the reporter's side. */
export function canSeeInternalNotes(user: Actor, facts: ReportAccessFacts): boolean {
  return canTriageReport(user, facts);
}

export const REPORT_ACTIONS = ['acknowledge', 'start', 'resolve', 'reject', 'assign', 'comment', 'note'] as const;
export type ReportAction = (typeof REPORT_ACTIONS)[number];

/**
 * Take an action on a report one may read: anyone who reads it may comment; everything else
 * (status changes, assignment, internal notes) is for coordinators covering it and admins.
 * Whether the report's status allows the action is a separate question (REPORT_TRANSITIONS).
 */
export function canTakeReportAction(user: Actor, action: ReportAction, report: ReportFacts, facts: ReportAccessFacts): boolean {
  if (!canViewReportAsParticipant(user, report, facts)) return false;
  if (action === 'comment') return true;
  return canTriageReport(user, facts);
}

/** A report is assigned only to a coordinator who covers its region. */
export function canBeAssignedReport(assignee: { roles: readonly string[]; coordinatorRegionCodes: readonly string[] }, reportRegionPath: readonly string[]): boolean {
  return assignee.roles.includes('coordinator') && coversRegion(assignee.coordinatorRegionCodes, reportRegionPath);
}
