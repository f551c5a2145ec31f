#include "chat/nick_registry.hpp"

#include <algorithm>

namespace parley::chat {

NickRegistry::Shard& NickRegistry::shard(const std::string& key) {
    return shards_[std::hash<std::string>{}(key) % shard_count];
}

const NickRegistry::Shard& NickRegistry::shard(const std::string& key) const {
    return shards_[std::hash<std::string>{}(key) % shard_count];
}

bool NickRegistry::clashes(const User& holder, const std::string& nick, bool authenticated) {
    // Sharing needs a token on both sides for the very same identity: a token for `ANN` is a
    // different user from the `ann` holding the nick, though their nicks collide.
    return !(authenticated && holder.authenticated && holder.nick == nick);
}

bool NickRegistry::available(const std::string& key, const std::string& nick,
                             bool authenticated) const {
    const auto& s = shard(key);
    std::lock_guard lock(s.mutex);
    auto it = s.users.find(key);
    return it == s.users.end() || !clashes(it->second, nick, authenticated);
}

NickRegistry::Admission NickRegistry::admit(const ParticipantPtr& p, const std::string& nick,
                                            const std::string& key,
                                            ParticipantState::Standing standing,
                                            const std::string& identity) {
    bool authenticated = standing.account;
    auto& s = shard(key);
    std::lock_guard lock(s.mutex);
    auto it = s.users.find(key);
    if (it != s.users.end() && clashes(it->second, nick, authenticated)) return Admission::taken;
    switch (HubAccess::state(*p).identify(nick, standing)) {
        case ParticipantState::Identify::already:
            return Admission::already_identified;
        case ParticipantState::Identify::gone:
            return Admission::gone;
        case ParticipantState::Identify::identified:
            break;
    }
    if (it == s.users.end())
        it = s.users.emplace(key, User{nick, authenticated, identity, {}}).first;
    it->second.connections.push_back({p, false});
    return Admission::admitted;
}

bool NickRegistry::welcome(const ParticipantPtr& p, const std::string& key,
                           const std::function<void()>& send_welcome) {
    auto& s = shard(key);
    std::lock_guard lock(s.mutex);
    auto it = s.users.find(key);
    if (it == s.users.end()) return false;
    auto& connections = it->second.connections;
    auto c = std::find_if(connections.begin(), connections.end(),
                          [&](const Connection& c) { return c.participant == p; });
    if (c == connections.end()) return false;
    c->welcomed = true;
    send_welcome();
    return true;
}

bool NickRegistry::remove(const ParticipantPtr& p, const std::string& key) {
    auto& s = shard(key);
    std::lock_guard lock(s.mutex);
    auto it = s.users.find(key);
    if (it == s.users.end()) return false;
    auto& connections = it->second.connections;
    auto before = connections.size();
    connections.erase(std::remove_if(connections.begin(), connections.end(),
                                     [&](const Connection& c) { return c.participant == p; }),
                      connections.end());
    bool removed = connections.size() != before;
    if (connections.empty()) s.users.erase(it);
    return removed;
}

std::optional<NickRegistry::Holder> NickRegistry::holder(const std::string& key) const {
    const auto& s = shard(key);
    std::lock_guard lock(s.mutex);
    auto it = s.users.find(key);
    if (it == s.users.end()) return std::nullopt;
    return Holder{it->second.nick, it->second.identity};
}

void NickRegistry::deliver(const std::string& key, const ws::Frame& frame,
                           std::string_view except_session) const {
    const auto& s = shard(key);
    std::lock_guard lock(s.mutex);
    auto it = s.users.find(key);
    if (it == s.users.end()) return;
    for (const auto& connection : it->second.connections)
        if (connection.welcomed && connection.participant->session_id() != except_session)
            connection.participant->deliver(frame);
}

std::vector<ParticipantPtr> NickRegistry::connections(const std::string& key) const {
    std::vector<ParticipantPtr> found;
    const auto& s = shard(key);
    std::lock_guard lock(s.mutex);
    if (auto it = s.users.find(key); it != s.users.end())
        for (const auto& connection : it->second.connections)
            if (connection.welcomed) found.push_back(connection.participant);
    return found;
}

std::vector<LocalRegistrations::Nick> NickRegistry::snapshot() const {
    std::vector<LocalRegistrations::Nick> nicks;
    for (const auto& s : shards_) {
        std::lock_guard lock(s.mutex);
        for (const auto& [key, user] : s.users)
            nicks.push_back({key, user.nick, user.authenticated, user.identity,
                             static_cast<int>(user.connections.size())});
    }
    return nicks;
}

}  // namespace parley::chat
