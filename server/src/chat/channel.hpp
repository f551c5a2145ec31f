#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chat/cluster_link.hpp"
#include "chat/participant.hpp"
#include "chat/sequencer.hpp"

namespace parley::chat {

// One chat room: who is in it (here, and on other nodes of a cluster), the order its messages
// go out in, and what presence changes are waiting to be announced.
// Every member function expects `mutex` to be held by the caller.
class Channel {
  public:
    explicit Channel(std::string name) : name_(std::move(name)) {}

    std::mutex mutex;

    const std::string& name() const { return name_; }

    // A member starts pending (its history is being read) and receives nothing until activated,
    // so that no message reaches it both in `joined.history` and live. `ticket` names the join.
    void add_pending(const ParticipantPtr& participant, const std::string& nick,
                     std::uint64_t ticket);
    // Whether the participant is pending by the join `ticket` (not left, nor joined again since).
    bool is_pending(const Participant* participant, std::uint64_t ticket) const;
    // Returns false unless the participant is pending by the join `ticket`. Messages up to
    // `history_through` were in its `joined` history: it gets only later ones.
    bool activate(const Participant* participant, std::uint64_t ticket,
                  std::int64_t history_through);
    // Returns false when the participant was not a member.
    bool remove(const Participant* participant);
    bool has_member(const Participant* participant) const;
    bool is_active_member(const Participant* participant) const;

    const std::string* nick_of(const Participant* participant) const;
    // Whether the nick is in the channel, on this node or (in a cluster) another.
    bool present_anywhere(const std::string& nick) const;
    // The nick, as its user spells it, present anywhere under the key (nick_key); a scan, for
    // moderation commands that may name a member in any case.
    std::optional<std::string> present_as(const std::string& key) const;
    // Whether the nick has an active connection in this channel on this node.
    bool present_here(const std::string& nick) const { return active_nicks_.count(nick) > 0; }
    std::vector<std::string> nicks_here() const;

    bool empty() const { return members_.empty(); }
    // Distinct nicks present, on this node or (in a cluster) on others.
    std::size_t active_count() const;
    std::vector<std::string> active_nicks(std::size_t at_most) const;
    // The same list as the JSON array the `who` reply carries, encoded once and shared until
    // someone arrives or leaves: a crowd asking `who` of a large channel costs a copy each.
    std::shared_ptr<const std::string> member_list(std::size_t at_most);

    // Calls f(participant, nick) for every active member; `f` must not block.
    template <class F>
    void for_each_active(F&& f) const {
        for (const auto& member : members_)
            if (member.active) f(member.participant, member.nick);
    }
    // The active members living on one io thread, each with the last seq its `joined` history
    // held (it gets only later messages).
    struct Receiver {
        ParticipantPtr participant;
        std::int64_t history_through;
    };
    using Receivers = std::vector<Receiver>;
    // The active members by io thread (`lanes` of them), built once and shared with the
    // fan-outs in flight until someone arrives, leaves or is activated: a message costs one
    // reference per thread, not one per member.
    const std::vector<std::shared_ptr<const Receivers>>& receivers(std::size_t lanes);

    // Presence on other nodes. Events that arrive while a snapshot is being read are replayed
    // over it, so the last word on each (node, nick) wins whichever answer came first.
    void begin_remote_snapshot() { ++snapshots_pending_; }
    void apply_remote_snapshot(const std::optional<std::vector<RemoteMember>>& members,
                               bool replace);
    void apply_remote(const std::string& node, const std::string& nick, bool present);
    void drop_remote_node(const std::string& node);
    bool has_remote_members() const { return !remote_.empty(); }

    Sequencer sequencer;
    // Every member gets every message from now on (its seqs restarted).
    void forget_history_marks() {
        for (auto& member : members_) member.history_through = 0;
        receivers_.clear();
    }
    bool has_presence_changes() const { return !presence_log_.empty(); }
    void drop_presence_changes();
    // Sends each active member the joins and leaves it has not seen, as (joined, left) lists:
    // a member that joined during this window already got everything before its own join in
    // its `joined` reply. deliver(participant, joined, left) runs once per distinct list pair
    // group; the caller encodes and queues. Clears the changes.
    template <class Deliver>
    void flush_presence(Deliver&& deliver);

    bool dead = false;        // removed from the hub; a new Channel object takes its name
    bool is_private = false;  // only its members see it in `channels`

  private:
    struct Member {
        ParticipantPtr participant;
        std::string nick;
        bool active = false;
        std::uint64_t ticket = 0;
        std::size_t presence_from = 0;  // first entry of presence_log_ this member has not seen
        std::int64_t history_through = 0;
    };
    struct RemoteEvent {
        std::string node;
        std::string nick;  // empty: the whole node is gone
        bool present;
    };

    void set_remote(const std::string& node, const std::string& nick, bool present);
    void forget_node(const std::string& node);
    void note_presence(const std::string& nick, bool joined);
    // The net effect of presence_log_[from...]: last change per nick wins.
    std::pair<std::vector<std::string>, std::vector<std::string>> presence_since(
        std::size_t from) const;
    std::size_t index_of(const Participant* participant) const;

    std::string name_;
    std::vector<Member> members_;  // a vector: fan-out walks it for every message
    std::unordered_map<const Participant*, std::size_t> index_;
    std::map<std::string, int> active_nicks_;  // nick -> active connections (multi-device)
    std::vector<std::pair<std::string, bool>> presence_log_;  // (nick, joined) in order
    std::map<std::string, std::set<std::string>> remote_;     // nick -> nodes it is present on
    int snapshots_pending_ = 0;
    std::vector<RemoteEvent> events_during_snapshot_;
    std::shared_ptr<const std::string> member_list_;  // null: changed since last encoded
    // Empty: changed since last built. Cleared rather than rebuilt on each change, so a member
    // that left is not kept alive by it.
    std::vector<std::shared_ptr<const Receivers>> receivers_;
};

template <class Deliver>
void Channel::flush_presence(Deliver&& deliver) {
    if (presence_log_.empty()) return;
    // Most members share one starting point (0); those who joined in this window each have
    // their own, so lists are built once per starting point. When many joined at once that
    // would cost a list per joiner (quadratic): then they all get the whole window's list,
    // which repeats some names they know but stays correct applied as set changes.
    constexpr std::size_t max_starting_points = 16;
    std::size_t joined_in_window = 0;
    for (const auto& member : members_) joined_in_window += member.presence_from != 0;
    bool share_one_list = joined_in_window >= max_starting_points;
    std::map<std::size_t, std::pair<std::vector<std::string>, std::vector<std::string>>> lists;
    for (auto& member : members_) {
        if (!member.active) continue;
        auto from = share_one_list ? 0 : member.presence_from;
        member.presence_from = 0;
        auto it = lists.find(from);
        if (it == lists.end()) it = lists.emplace(from, presence_since(from)).first;
        const auto& [joined, left] = it->second;
        if (!joined.empty() || !left.empty()) deliver(member.participant, from, joined, left);
    }
    presence_log_.clear();
}

}  // namespace parley::chat
