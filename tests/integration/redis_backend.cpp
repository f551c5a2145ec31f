#include "redis_backend.hpp"

namespace parley::test {

std::string RedisBackend::home_key(std::string_view rest) const {
    return (clustered() ? "parley:{home}:" : "parley:") + std::string(rest);
}

std::string RedisBackend::seq_key(const std::string& channel) const {
    return clustered() ? "parley:seq:{" + channel + "}" : "parley:seq:" + channel;
}

std::string RedisBackend::channel_beside(const std::string& channel,
                                         const std::string& stem) const {
    if (!clustered()) return stem;
    auto wanted = port_of(seq_key(channel));
    for (int i = 0;; ++i) {
        auto name = i == 0 ? stem : stem + "-" + std::to_string(i);
        if (port_of(seq_key(name)) == wanted) return name;
    }
}

std::unique_ptr<RedisBackend> make_redis(RedisKind kind) {
    if (kind == RedisKind::cluster) return std::make_unique<ClusterRedis>();
    return std::make_unique<SingleRedis>();
}

std::string redis_kind_name(const ::testing::TestParamInfo<RedisKind>& info) {
    return info.param == RedisKind::cluster ? "RedisCluster" : "SingleRedis";
}

}  // namespace parley::test
