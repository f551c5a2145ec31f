// Who may do what in a channel, as far as this tab can tell: the server decides (and answers
// `forbidden`), these only decide which buttons to show. They follow the server's rules: the
// server's admins everywhere; in a registered channel the owner gives and takes the op role, ops
// and the owner kick, ban, mute (and invite, in a private channel) those below them; in an open
// channel any member sets the topic and only admins moderate.

import { app } from './app-context.js';

const RANK = { member: 1, op: 2, owner: 3, admin: 4 };

export const ROLE_LABELS = { owner: 'owner', op: 'op', admin: 'admin' };

export function myRank(channel) {
  return app.admin ? 'admin' : channel.role;
}

// A role the protocol names for another member: given while we watched (`role` events), or
// `member`. Nothing on the wire lists the others' roles, so an owner we have not seen act is
// shown as a member; the server still refuses what they may not do.
export function roleOf(channel, nick) {
  if (nick === app.me) return myRank(channel);
  return channel.roles.get(nick) ?? 'member';
}

// A channel with an owner: private ones always; public ones when we hold a role there or saw
// one given (`joined` does not say whether an open channel is registered).
function registered(channel) {
  return channel.registered || channel.isPrivate || channel.role !== 'member';
}

export function canModerate(channel) {
  return RANK[myRank(channel)] >= RANK.op;
}

export function canSetRoles(channel) {
  return RANK[myRank(channel)] >= RANK.owner;
}

export function canInvite(channel) {
  return channel.isPrivate && canModerate(channel);
}

export function canEditTopic(channel) {
  return canModerate(channel) || !registered(channel);
}

// Kick, ban, mute someone: only those below us (the owner over ops, an op over members).
export function canActOn(channel, nick) {
  if (nick === app.me || !canModerate(channel)) return false;
  return RANK[roleOf(channel, nick)] < RANK[myRank(channel)];
}
