#include "chat/participant.hpp"

#include <algorithm>

#include "model/message.hpp"

namespace parley::chat {

std::string ParticipantState::nick() const {
    std::lock_guard lock(mutex_);
    return nick_;
}

std::string ParticipantState::key() const {
    return model::nick_key(nick());
}

ParticipantState::Channels::iterator ParticipantState::find(const std::string& name) {
    return std::find_if(channels_.begin(), channels_.end(),
                        [&](const auto& channel) { return channel.first == name; });
}

bool ParticipantState::identified() const {
    std::lock_guard lock(mutex_);
    return !nick_.empty();
}

ParticipantState::Standing ParticipantState::standing() const {
    std::lock_guard lock(mutex_);
    return standing_;
}

ParticipantState::Identify ParticipantState::identify(const std::string& nick, Standing standing) {
    std::lock_guard lock(mutex_);
    if (gone_) return Identify::gone;
    if (!nick_.empty()) return Identify::already;
    nick_ = nick;
    standing_ = standing;
    return Identify::identified;
}

ParticipantState::Reserve ParticipantState::reserve_channel(const std::string& name,
                                                            std::size_t at_most,
                                                            std::uint64_t& ticket) {
    std::lock_guard lock(mutex_);
    if (find(name) != channels_.end()) return Reserve::already_member;
    if (channels_.size() >= at_most) return Reserve::too_many;
    ticket = ++next_ticket_;
    channels_.emplace_back(name, ticket);
    return Reserve::added;
}

bool ParticipantState::join_current(const std::string& name, std::uint64_t ticket) const {
    std::lock_guard lock(mutex_);
    return std::any_of(channels_.begin(), channels_.end(), [&](const auto& channel) {
        return channel.first == name && channel.second == ticket;
    });
}

bool ParticipantState::release_join(const std::string& name, std::uint64_t ticket) {
    std::lock_guard lock(mutex_);
    auto it = find(name);
    if (it == channels_.end() || it->second != ticket) return false;
    channels_.erase(it);
    return true;
}

bool ParticipantState::release_channel(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto it = find(name);
    if (it == channels_.end()) return false;
    channels_.erase(it);
    return true;
}

bool ParticipantState::in_channel(const std::string& name) const {
    std::lock_guard lock(mutex_);
    return std::any_of(channels_.begin(), channels_.end(),
                       [&](const auto& channel) { return channel.first == name; });
}

std::vector<std::string> ParticipantState::channel_names() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> names;
    for (const auto& channel : channels_) names.push_back(channel.first);
    return names;
}

std::optional<ParticipantState::Departure> ParticipantState::depart() {
    std::lock_guard lock(mutex_);
    if (gone_) return std::nullopt;
    gone_ = true;
    Departure departure{nick_.empty() ? std::string() : model::nick_key(nick_), {}};
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
