#include "chat/channel.hpp"

namespace parley::chat {

std::size_t Channel::index_of(const Participant* participant) const {
    auto it = index_.find(participant);
    return it == index_.end() ? members_.size() : it->second;
}

void Channel::add_pending(const ParticipantPtr& participant, const std::string& nick) {
    if (index_.count(participant.get())) return;
    index_[participant.get()] = members_.size();
    members_.push_back({participant, nick, false});
}

bool Channel::activate(const Participant* participant) {
    auto i = index_of(participant);
    if (i == members_.size() || members_[i].active) return false;
    members_[i].active = true;
    if (active_nicks_[members_[i].nick]++ == 0) note_presence(members_[i].nick, true);
    // Its `joined` reply lists everyone up to and including itself.
    members_[i].presence_from = presence_log_.size();
    return true;
}

bool Channel::remove(const Participant* participant) {
    auto i = index_of(participant);
    if (i == members_.size()) return false;
    if (members_[i].active) {
        auto it = active_nicks_.find(members_[i].nick);
        if (--it->second == 0) {
            note_presence(it->first, false);
            active_nicks_.erase(it);
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

bool Channel::has_member(const Participant* participant) const {
    return index_of(participant) != members_.size();
}

bool Channel::is_active_member(const Participant* participant) const {
    auto i = index_of(participant);
    return i != members_.size() && members_[i].active;
}

std::vector<std::string> Channel::active_nicks(std::size_t at_most) const {
    std::vector<std::string> nicks;
    nicks.reserve(std::min(at_most, active_nicks_.size()));
    for (const auto& [nick, connections] : active_nicks_) {
        if (nicks.size() == at_most) break;
        nicks.push_back(nick);
    }
    return nicks;
}

void Channel::note_presence(const std::string& nick, bool joined) {
    presence_log_.emplace_back(nick, joined);
}

void Channel::drop_presence_changes() {
    presence_log_.clear();
    for (auto& member : members_) member.presence_from = 0;
}

std::pair<std::vector<std::string>, std::vector<std::string>> Channel::presence_since(
    std::size_t from) const {
    std::map<std::string, bool> last;
    for (auto i = from; i < presence_log_.size(); ++i)
        last[presence_log_[i].first] = presence_log_[i].second;
    std::pair<std::vector<std::string>, std::vector<std::string>> lists;
    for (const auto& [nick, joined] : last) (joined ? lists.first : lists.second).push_back(nick);
    return lists;
}

}  // namespace parley::chat
