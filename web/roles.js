// Who may do what in a channel, as far as this tab can tell: the server decides (and answers
// `forbidden`), these only decide which buttons to show, so that nothing offered is refused.
// They follow the server's rules: the server's admins everywhere; in a registered channel (one
// with an owner) the owner gives and takes the op role, ops and the owner kick, ban, mute (and
// invite, in a private channel) those below them, and only they set the topic; in an open
// channel any member sets the topic and only admins moderate.

import { app } from './app-context.js';

const RANK = { member: 1, op: 2, owner: 3, admin: 4 };

export const ROLE_LABELS = { owner: 'owner', op: 'op', admin: 'admin' };

export function myRank(channel) {
  return app.admin ? 'admin' : channel.role;
}

// `joined.roles` names the owner and the ops by account key (the nick in lower case), and the
// `role` events after it keep that up to date; everyone else is a member. Another admin is not
// told apart: the server still refuses acting on one.
export function roleOf(channel, nick) {
  if (sameNick(nick, app.me)) return myRank(channel);
  return channel.roles.get(nick.toLowerCase()) ?? 'member';
}

export function sameNick(a, b) {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
}

export function canModerate(channel) {
  return RANK[myRank(channel)] >= RANK.op;
}

export function canSetRoles(channel) {
  return channel.registered && RANK[myRank(channel)] >= RANK.owner;
}

// Make op / Remove op on `nick`: the owner (or an admin) on anyone but the owner.
export function canChangeRole(channel, nick) {
  return !sameNick(nick, app.me) && canSetRoles(channel) && roleOf(channel, nick) !== 'owner';
}

export function canInvite(channel) {
  return channel.isPrivate && canModerate(channel);
}

export function canEditTopic(channel) {
  return channel.registered ? canModerate(channel) : true;
}

// Kick, ban, mute someone: only those below us (the owner over ops and members, an op over
// members, an admin over everyone); in an open channel only admins.
export function canActOn(channel, nick) {
  if (sameNick(nick, app.me) || !canModerate(channel)) return false;
  return RANK[roleOf(channel, nick)] < RANK[myRank(channel)];
}
