#pragma once

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chat/participant.hpp"

namespace parley::chat {

// One chat room: who is in it and what presence changes are waiting to be announced.
// Every member function expects `mutex` to be held by the caller.
class Channel {
public:
    explicit Channel(std::string name) : name_(std::move(name)) {}

    std::mutex mutex;

    const std::string& name() const { return name_; }

    // A member starts pending (its history is being read) and receives nothing until activated,
    // so that no message reaches it both in `joined.history` and live.
    void add_pending(const ParticipantPtr& participant, const std::string& nick);
    // Returns false when the participant is no longer a pending member (it left meanwhile).
    bool activate(const Participant* participant);
    // Returns false when the participant was not a member.
    bool remove(const Participant* participant);
    bool has_member(const Participant* participant) const;
    bool is_active_member(const Participant* participant) const;

    bool empty() const { return members_.empty(); }
    std::size_t active_count() const { return active_nicks_.size(); }
    std::vector<std::string> active_nicks(std::size_t at_most) const;

    // Calls f(participant, nick) for every active member; `f` must not block.
    template <class F>
    void for_each_active(F&& f) const {
        for (const auto& member : members_)
            if (member.active) f(member.participant, member.nick);
    }

    // Presence changes since the last flush; last change per nick wins.
    bool has_presence_changes() const { return !presence_changes_.empty(); }
    // Takes the pending changes as (joined, left) lists and clears them.
    std::pair<std::vector<std::string>, std::vector<std::string>> take_presence_changes();

    bool dead = false;  // removed from the hub; a new Channel object takes its name

private:
    struct Member {
        ParticipantPtr participant;
        std::string nick;
        bool active = false;
    };

    void note_presence(const std::string& nick, bool joined);
    std::size_t index_of(const Participant* participant) const;

    std::string name_;
    std::vector<Member> members_;  // a vector: fan-out walks it for every message
    std::unordered_map<const Participant*, std::size_t> index_;
    std::map<std::string, int> active_nicks_;  // nick -> active connections (multi-device)
    std::map<std::string, bool> presence_changes_;  // nick -> joined (true) or left (false)
};

}  // namespace parley::chat
