#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/message.hpp"

namespace parley::storage {

struct Page {
    std::vector<model::ChatMessage> messages;  // ascending by seq
    bool gap = false;  // messages the caller asked for are no longer retained, or over the cap
    bool ok = true;    // false when the store could not read
    std::int64_t head_seq = 0;   // the channel's last seq when the read ran
    bool channel_exists = true;  // false: the channel has never had a message
};

// Why storage turned an event down, having checked it against what it holds.
enum class Refusal {
    none,
    no_such_message,     // the target (or reply_to) is not a live message of the channel
    forbidden,           // an edit by someone other than the author; a delete by neither the
                         // author nor a moderator
    too_many_reactions,  // a new emoji on a message that has model::max_reactions_per_message
    unchanged,           // a reaction already given, or taken back when never given: nothing
                         // stored, and no seq used
    repeated,            // an idempotency key already used within the window: nothing stored;
                         // the result's message has the first send's seq and ts
};

struct AppendResult {
    // false: nothing was stored (the write failed, or `refused`), or it was stored but fewer
    // replicas than --redis-wait-replicas confirmed it in time (`unreplicated`).
    bool committed = false;
    model::ChatMessage message;  // with its seq when committed
    Refusal refused = Refusal::none;
    bool busy = false;  // not tried: a queue was full (set by the hub, never by storage)
    bool unreplicated = false;
};

struct DmAppendResult {
    bool committed = false;  // as AppendResult's
    model::DirectMessage message;
    bool no_such_user = false;  // the recipient is connected nowhere (checked in a cluster)
    bool repeated = false;      // its idempotency key was used already: message.ts is the first's
    // The recipient was connected nowhere: the dm is kept for its next login.
    bool waiting = false;
    bool unreplicated = false;
};

// Where history lives. Every call is non-blocking: it queues the work and returns false when the
// bounded queue is full (the caller answers `busy`). Disk or network I/O happens elsewhere.
//
// Ordering contract: append and append_dm callbacks run one at a time, in the order their calls
// were made, and so do recent_dms callbacks among them: a recent_dms read sees exactly the
// direct messages submitted before it, each of which has already had its callback run.
// Channel reads (recent, since, before) are not ordered with appends or with each other; their
// callbacks may run on other threads, at the same time as append callbacks. A channel read sees
// at least every message whose append callback ran before the read was submitted, maybe later
// ones too, and its page's head_seq says where it stood: its messages are exactly those the
// query asks for up to head_seq (in a cluster, other nodes append too).
class History {
  public:
    virtual ~History() = default;

    // Assigns the channel's next seq and stores the message; `done` runs once it is durable.
    // A message with a reply_to that is not a live message of the channel is refused.
    virtual bool append(model::ChatMessage message, std::function<void(AppendResult)> done) = 0;
    // An edit, a deletion or a reaction (event.type), checked against its target's current
    // state and stored with it in one step, under the channel's next seq: the target is live,
    // an edit is by its author (event.author), a delete by its author or, when
    // `may_delete_any` (the channel's ops, its owner, admins), by anyone. Applies the change to
    // the target's current state; a deletion erases the target's text and its edits' texts.
    // Ordered with appends, like them.
    virtual bool change(model::ChatMessage event, bool may_delete_any,
                        std::function<void(AppendResult)> done) = 0;
    virtual bool append_dm(model::DirectMessage message,
                           std::function<void(DmAppendResult)> done) = 0;

    // Pages (recent, before) hold messages only, each in its current state; `limit` counts
    // messages. A since read holds every event, messages in their current state among them.
    // The last `limit` messages.
    virtual bool recent(std::string channel, int limit, std::function<void(Page)> done) = 0;
    // The events after `since` (at most `cap`, the newest ones; gap=true when some are missing).
    virtual bool since(std::string channel, std::int64_t since, int cap,
                       std::function<void(Page)> done) = 0;
    // Up to `limit` messages with seq < before (or the newest ones without `before`).
    virtual bool before(std::string channel, std::optional<std::int64_t> before, int limit,
                        std::function<void(Page)> done) = 0;
    // The last `limit` direct messages sent to or by `identity` (model::DirectMessage), ascending;
    // `nick` says where a store keeps that user's messages.
    virtual bool recent_dms(std::string nick, std::string identity, int limit,
                            std::function<void(std::vector<model::DirectMessage>)> done) = 0;

    // Whether a channel has ever had a message, answered from memory without blocking. A store
    // that cannot tell says true, and its reads set Page::channel_exists.
    virtual bool knows_channel(const std::string& channel) const = 0;

    // Commits everything accepted so far, runs its callbacks, and stops. Idempotent.
    virtual void stop() = 0;
};

}  // namespace parley::storage
