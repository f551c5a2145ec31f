#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "model/authority.hpp"
#include "model/expected.hpp"
#include "storage/directory.hpp"

namespace parley::chat {

using AuthorityPtr = std::shared_ptr<const model::ChannelAuthority>;

// Channels' authority in memory, read from the Directory the first time a channel needs it and
// kept up to date by the changes this node carries out (its own, and in a cluster the other
// nodes'). A copy is immutable once shared: a change makes a new one. Bounded: when full, it is
// emptied and refilled as channels are used. A load that raced a change is not kept.
//
// Threading: one mutex, a leaf (no other lock is taken while holding it); loads complete on the
// directory's thread.
class AuthorityCache {
  public:
    explicit AuthorityCache(storage::Directory& directory, std::size_t max_channels = 10'000)
        : directory_(directory), max_channels_(max_channels) {}

    // The channel's authority, now when cached, or once read. A Failure when storage is busy or
    // failed (the caller answers busy or unavailable: `busy` says which).
    using Loaded = std::function<void(Expected<AuthorityPtr>, bool busy)>;
    void get(const std::string& channel, Loaded done);
    // The cached copy, if any; no storage read.
    AuthorityPtr cached(const std::string& channel) const;

    // After `change` is stored: the cached copy, if any, gets it too.
    void changed(const std::string& channel, const model::AuthorityChange& change);
    // A channel registered here: cache what it starts with.
    void put(const std::string& channel, model::ChannelAuthority authority);
    // The channel's copy may be stale (it was registered elsewhere): read it afresh next time.
    void forget(const std::string& channel);
    // Everything may be stale (the link to the other nodes was lost for a while).
    void clear();

  private:
    storage::Directory& directory_;
    std::size_t max_channels_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, AuthorityPtr> channels_;
    std::uint64_t epoch_ = 0;  // bumped by every change: a load from before one is not kept
};

}  // namespace parley::chat
