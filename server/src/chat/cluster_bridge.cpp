#include "chat/cluster_bridge.hpp"

namespace parley::chat {

void ClusterBridge::on_cluster_message(model::ChatMessage message) {
    fan_out_.deliver(std::move(message));
}

void ClusterBridge::on_cluster_dm(model::DirectMessage message, const std::string& user,
                                  const std::string& origin_session) {
    dms_.deliver_to(message, user, origin_session);
}

void ClusterBridge::on_cluster_presence(const std::string& node, const std::string& name,
                                        const std::string& nick, bool present) {
    auto channel = channels_.find(name);
    if (!channel) return;
    std::lock_guard lock(channel->mutex);
    if (channel->dead) return;
    channel->apply_remote(node, nick, present);
    if (channel->has_presence_changes()) presence_.mark_dirty(channel);
}

void ClusterBridge::on_cluster_typing(const std::string& name, const std::string& nick) {
    auto channel = channels_.find(name);
    if (!channel) return;
    std::lock_guard lock(channel->mutex);
    if (!channel->dead) fan_out_.typing(*channel, nick);
}

void ClusterBridge::on_node_gone(const std::string& node) {
    for (const auto& channel : channels_.all()) {
        std::lock_guard lock(channel->mutex);
        if (channel->dead) continue;
        channel->drop_remote_node(node);
        if (channel->has_presence_changes()) presence_.mark_dirty(channel);
    }
}

void ClusterBridge::on_authority_change(const std::string& channel,
                                        const model::AuthorityChange& change) {
    authority_.carry_out(channel, change);
}

void ClusterBridge::on_cluster_reconnected() {
    // Changes published while the link was down were missed: read channels' authority afresh.
    authority_cache_.clear();
    for (const auto& channel : channels_.all()) {
        {
            std::lock_guard lock(channel->mutex);
            if (channel->dead) continue;
            channel->begin_remote_snapshot();
            fan_out_.release(channel, channel->sequencer.resync());
        }
        cluster_->read_presence(channel->name(),
                                [this, channel](std::optional<std::vector<RemoteMember>> m) {
                                    std::lock_guard lock(channel->mutex);
                                    channel->apply_remote_snapshot(m, true);
                                    if (!channel->dead && channel->has_presence_changes())
                                        presence_.mark_dirty(channel);
                                });
    }
}

LocalRegistrations ClusterBridge::local_registrations() {
    LocalRegistrations registrations;
    registrations.nicks = nicks_.snapshot();
    for (const auto& channel : channels_.all()) {
        std::lock_guard lock(channel->mutex);
        for (const auto& nick : channel->nicks_here())
            registrations.presence.emplace_back(channel->name(), nick);
    }
    return registrations;
}

}  // namespace parley::chat
