#include "chat/participant.hpp"

namespace parley::chat {

std::string ParticipantState::nick() const {
    std::lock_guard lock(mutex_);
    return nick_;
}

std::string ParticipantState::key() const {
    std::lock_guard lock(mutex_);
    return key_;
}

bool ParticipantState::identified() const {
    std::lock_guard lock(mutex_);
    return !nick_.empty();
}

ParticipantState::Identify ParticipantState::identify(const std::string& nick,
                                                      const std::string& key) {
    std::lock_guard lock(mutex_);
    if (gone_) return Identify::gone;
    if (!nick_.empty()) return Identify::already;
    nick_ = nick;
    key_ = key;
    return Identify::identified;
}

ParticipantState::Reserve ParticipantState::reserve_channel(const std::string& name,
                                                            std::size_t at_most,
                                                            std::uint64_t& ticket) {
    std::lock_guard lock(mutex_);
    if (channels_.count(name)) return Reserve::already_member;
    if (channels_.size() >= at_most) return Reserve::too_many;
    ticket = ++next_ticket_;
    channels_.emplace(name, ticket);
    return Reserve::added;
}

bool ParticipantState::release_join(const std::string& name, std::uint64_t ticket) {
    std::lock_guard lock(mutex_);
    auto it = channels_.find(name);
    if (it == channels_.end() || it->second != ticket) return false;
    channels_.erase(it);
    return true;
}

bool ParticipantState::release_channel(const std::string& name) {
    std::lock_guard lock(mutex_);
    return channels_.erase(name) > 0;
}

bool ParticipantState::in_channel(const std::string& name) const {
    std::lock_guard lock(mutex_);
    return channels_.count(name) > 0;
}

std::optional<ParticipantState::Departure> ParticipantState::depart() {
    std::lock_guard lock(mutex_);
    if (gone_) return std::nullopt;
    gone_ = true;
    Departure departure{key_, {}};
    departure.channels.swap(channels_);
    return departure;
}

bool ParticipantState::gone() const {
    std::lock_guard lock(mutex_);
    return gone_;
}

bool ParticipantState::begin_history_read(int at_most) {
    if (history_reads_.fetch_add(1) < at_most) return true;
    history_reads_.fetch_sub(1);
    return false;
}

void ParticipantState::end_history_read() {
    history_reads_.fetch_sub(1);
}

}  // namespace parley::chat
