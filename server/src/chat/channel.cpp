#include "chat/channel.hpp"

#include <algorithm>

#include "model/message.hpp"
#include "protocol/events.hpp"

namespace parley::chat {

std::size_t Channel::index_of(const Participant* participant) const {
    auto it = index_.find(participant);
    return it == index_.end() ? members_.size() : it->second;
}

void Channel::add_pending(const ParticipantPtr& participant, const std::string& nick,
                          std::uint64_t ticket) {
    if (index_.count(participant.get())) return;
    index_[participant.get()] = members_.size();
    members_.push_back({participant, nick, false, ticket});
}

bool Channel::is_pending(const Participant* participant, std::uint64_t ticket) const {
    auto i = index_of(participant);
    return i != members_.size() && !members_[i].active && members_[i].ticket == ticket;
}

bool Channel::activate(const Participant* participant, std::uint64_t ticket,
                       std::int64_t history_through) {
    if (!is_pending(participant, ticket)) return false;
    auto i = index_of(participant);
    members_[i].active = true;
    members_[i].history_through = history_through;
    receivers_.clear();
    const auto& nick = members_[i].nick;
    bool was_present = present_anywhere(nick);
    ++active_nicks_[nick];
    if (!was_present) note_presence(nick, true);
    // Its `joined` reply lists everyone up to and including itself.
    members_[i].presence_from = presence_log_.size();
    return true;
}

bool Channel::remove(const Participant* participant) {
    auto i = index_of(participant);
    if (i == members_.size()) return false;
    if (members_[i].active) {
        receivers_.clear();
        auto it = active_nicks_.find(members_[i].nick);
        if (--it->second == 0) {
            auto nick = it->first;
            active_nicks_.erase(it);
            if (!present_anywhere(nick)) note_presence(nick, false);
        }
    }
    // Swap-remove keeps removal O(1); member order carries no meaning.
    index_.erase(participant);
    if (i != members_.size() - 1) {
        members_[i] = std::move(members_.back());
        index_[members_[i].participant.get()] = i;
    }
    members_.pop_back();
    return true;
}

const std::vector<std::shared_ptr<const Channel::Receivers>>& Channel::receivers(
    std::size_t lanes) {
    if (receivers_.size() == lanes) return receivers_;
    std::vector<Receivers> by_lane(lanes);
    for (const auto& member : members_)
        if (member.active)
            by_lane[member.participant->lane() % lanes].push_back(
                {member.participant, member.history_through});
    receivers_.clear();
    for (auto& list : by_lane)
        receivers_.push_back(std::make_shared<const Receivers>(std::move(list)));
    return receivers_;
}

const std::string* Channel::nick_of(const Participant* participant) const {
    auto i = index_of(participant);
    return i == members_.size() ? nullptr : &members_[i].nick;
}

std::vector<std::string> Channel::nicks_here() const {
    std::vector<std::string> nicks;
    for (const auto& [nick, connections] : active_nicks_) nicks.push_back(nick);
    return nicks;
}

bool Channel::present_anywhere(const std::string& nick) const {
    return active_nicks_.count(nick) > 0 || remote_.count(nick) > 0;
}

std::size_t Channel::active_count() const {
    auto count = active_nicks_.size();
    for (const auto& [nick, nodes] : remote_) count += active_nicks_.count(nick) == 0;
    return count;
}

bool Channel::has_member(const Participant* participant) const {
    return index_of(participant) != members_.size();
}

bool Channel::is_active_member(const Participant* participant) const {
    auto i = index_of(participant);
    return i != members_.size() && members_[i].active;
}

std::optional<std::string> Channel::present_as(const std::string& key) const {
    for (const auto& [nick, count] : active_nicks_)
        if (model::nick_key(nick) == key) return nick;
    for (const auto& [nick, nodes] : remote_)
        if (model::nick_key(nick) == key) return nick;
    return std::nullopt;
}

std::vector<std::string> Channel::active_nicks(std::size_t at_most) const {
    std::vector<std::string> nicks;
    nicks.reserve(std::min(at_most, active_nicks_.size()));
    // Both maps are sorted: merge them, so the list is sorted and each nick appears once.
    auto here = active_nicks_.begin();
    auto there = remote_.begin();
    while (nicks.size() < at_most && (here != active_nicks_.end() || there != remote_.end())) {
        if (there == remote_.end() || (here != active_nicks_.end() && here->first < there->first)) {
            nicks.push_back((here++)->first);
        } else if (here == active_nicks_.end() || there->first < here->first) {
            nicks.push_back((there++)->first);
        } else {
            nicks.push_back(here->first);
            ++here;
            ++there;
        }
    }
    return nicks;
}

void Channel::set_remote(const std::string& node, const std::string& nick, bool present) {
    bool was_present = present_anywhere(nick);
    if (present) {
        remote_[nick].insert(node);
    } else if (auto it = remote_.find(nick); it != remote_.end()) {
        it->second.erase(node);
        if (it->second.empty()) remote_.erase(it);
    }
    bool is_present = present_anywhere(nick);
    if (was_present != is_present) note_presence(nick, is_present);
}

void Channel::apply_remote(const std::string& node, const std::string& nick, bool present) {
    if (snapshots_pending_ > 0) events_during_snapshot_.push_back({node, nick, present});
    set_remote(node, nick, present);
}

void Channel::drop_remote_node(const std::string& node) {
    if (snapshots_pending_ > 0) events_during_snapshot_.push_back({node, {}, false});
    forget_node(node);
}

void Channel::forget_node(const std::string& node) {
    std::vector<std::string> nicks;
    for (const auto& [nick, nodes] : remote_)
        if (nodes.count(node)) nicks.push_back(nick);
    for (const auto& nick : nicks) set_remote(node, nick, false);
}

void Channel::apply_remote_snapshot(const std::optional<std::vector<RemoteMember>>& members,
                                    bool replace) {
    if (members) {
        std::set<std::pair<std::string, std::string>> listed;
        for (const auto& member : *members) listed.emplace(member.node, member.nick);
        if (replace) {
            std::vector<std::pair<std::string, std::string>> stale;
            for (const auto& [nick, nodes] : remote_)
                for (const auto& node : nodes)
                    if (!listed.count({node, nick})) stale.emplace_back(node, nick);
            for (const auto& [node, nick] : stale) set_remote(node, nick, false);
        }
        for (const auto& [node, nick] : listed) set_remote(node, nick, true);
        for (const auto& event : events_during_snapshot_) {
            if (event.nick.empty())
                forget_node(event.node);
            else
                set_remote(event.node, event.nick, event.present);
        }
    }
    if (--snapshots_pending_ == 0) events_during_snapshot_.clear();
}

void Channel::note_presence(const std::string& nick, bool joined) {
    presence_log_.emplace_back(nick, joined);
    member_list_.reset();
}

std::shared_ptr<const std::string> Channel::member_list(std::size_t at_most) {
    if (!member_list_)
        member_list_ =
            std::make_shared<const std::string>(protocol::encode_nick_list(active_nicks(at_most)));
    return member_list_;
}

void Channel::drop_presence_changes() {
    presence_log_.clear();
    for (auto& member : members_) member.presence_from = 0;
}

std::pair<std::vector<std::string>, std::vector<std::string>> Channel::presence_since(
    std::size_t from) const {
    // The net change per nick over the window: a nick that joined and left within it (or left
    // and came back) is where it was, and announcing its leave would tell members of a departure
    // from somewhere they never saw it arrive.
    std::map<std::string, std::pair<bool, bool>> first_last;  // nick -> (first, last) joined
    for (auto i = from; i < presence_log_.size(); ++i) {
        const auto& [nick, joined] = presence_log_[i];
        auto [it, added] = first_last.try_emplace(nick, joined, joined);
        it->second.second = joined;
    }
    std::pair<std::vector<std::string>, std::vector<std::string>> lists;
    for (const auto& [nick, change] : first_last) {
        auto [first, last] = change;
        if (first != last) continue;  // back where it started
        (last ? lists.first : lists.second).push_back(nick);
    }
    return lists;
}

}  // namespace parley::chat
